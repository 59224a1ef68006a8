/**
 * Registers the installed packages in the new tree's own package database,
 * the way pkg does and by pkg itself (docs/PKGBASE.md, "Registration in a
 * root"): one `pkg -r <template> register -t -M <manifest>` per package, in
 * install order, `-A` on the ones that were only pulled in as dependencies
 * (as `pkg install` marks them). jailbuild never writes pkg's database
 * itself: its schema is pkg's own. `-t` because the files are already in
 * place and carry the manifest's sums; pkg must not re-read them (the
 * template's `bin` is a link into a basejail mounted only inside the jail).
 * The database lands in `<template>/var/db/pkg`, so every jail cloned from
 * the template knows its packages: `pkg -r <jail> which /bin/sh` names one.
 *
 * The manifests are written to a host-owned work directory, never into the
 * tree. Off FreeBSD, a host without pkg gets an unregistered tree and says so;
 * on FreeBSD a missing or failing pkg is an error.
 */
import { join } from 'node:path';
import type { Host } from '../host/host.js';
import { ignoreProgress, step, type OnProgress } from '../progress.js';
import { PkgbaseError } from './pkgbase-error.js';
import type { PackageManifest } from './read-package.js';

export interface RegisterPackagesOptions {
  host: Host;
  /** The tree whose `var/db/pkg` gets the database: the staging template. */
  root: string;
  /** `+MANIFEST` of every package, in install order. */
  manifests: readonly PackageManifest[];
  /** Names asked for (sets, packages); every other package is marked automatic. */
  requested: ReadonlySet<string>;
  /** A host-owned scratch directory (created and removed here) for the manifest files. */
  workDir: string;
  /** @default ignore */
  onProgress?: OnProgress;
}

export interface RegisterPackagesResult {
  /** True when pkg registered every package; false when this host has no pkg (off FreeBSD). */
  registered: boolean;
  packages: number;
  /** Why registration was skipped. */
  skipped?: string;
}

/** Exit status of the script when one `pkg register` failed (`JBREGFAIL <index>` on stderr names it). */
const REGISTER_FAILED = 3;

/**
 * On the host, in install order: each manifest line into its own file of the
 * work directory, then `pkg -r <root> register -t [-A] -M <file>`; the first
 * failure stops. One command for the whole set, not two round trips per
 * package over ssh. One line, since ssh cannot pass a newline in an argument.
 */
const REGISTER_SCRIPT = [
  'unset PKG_DBDIR',
  'root=$1; bundle=$2; dir=$3; i=0',
  'while IFS= read -r line; do kind=${line%% *}; file="$dir/$i.manifest"',
  'printf \'%s\\n\' "${line#* }" > "$file" || exit 1',
  'if [ "$kind" = A ]; then pkg -r "$root" register -t -A -M "$file"; else pkg -r "$root" register -t -M "$file"; fi || { echo "JBREGFAIL $i" >&2; exit ' + String(REGISTER_FAILED) + '; }',
  'i=$((i + 1)); done < "$bundle"',
].join('; ');

export async function registerPackages(options: RegisterPackagesOptions): Promise<RegisterPackagesResult> {
  const { host, root } = options;
  const onProgress = options.onProgress ?? ignoreProgress;
  const title = `register ${options.manifests.length} packages with pkg -r ${root}`;
  if ((await host.which('pkg')) === undefined) {
    const platform = await host.platform();
    if (platform === 'freebsd') {
      throw new PkgbaseError('E_PKGBASE_REGISTER', `pkg is not installed on ${host.name}, so the new tree's packages cannot be registered: install it (pkg bootstrap) and run again`, { data: { host: host.name } });
    }
    const skipped = `pkg is not installed on this ${platform} host: the tree is complete but its packages are not registered (pkg -r <jail> info shows none)`;
    onProgress({ kind: 'step', id: 'pkgbase-register', title, state: 'skip', detail: skipped });
    return { registered: false, packages: 0, skipped };
  }
  return step(onProgress, 'pkgbase-register', title, async () => {
    // The database directory is made through the beneath door: the tree came from packages, and
    // pkg must find a real directory there, not a link a package planted.
    await host.beneath(root).mkdir('var/db/pkg', { mode: 0o755 });
    await host.mkdir(options.workDir, { recursive: true, mode: 0o700 });
    try {
      // One line per package, `A` (automatic) or `-` and its manifest: JSON is UCL, pkg's manifest
      // language, so each goes back to pkg as the package carried it.
      const bundle = options.manifests.map((m) => `${options.requested.has(m.name) ? '-' : 'A'} ${JSON.stringify(m.raw)}\n`).join('');
      const bundleFile = join(options.workDir, 'manifests');
      await host.writeFileAtomic(bundleFile, bundle, 0o600);
      const ran = await host.run('sh', ['-c', REGISTER_SCRIPT, 'sh', root, bundleFile, options.workDir], { env: { PKG_DBDIR: undefined }, okExitCodes: [0, REGISTER_FAILED] }).catch((error: unknown) => {
        throw new PkgbaseError('E_PKGBASE_REGISTER', `the packages could not be registered in ${root} on ${host.name} (${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}); check that pkg works (pkg -v) and run again`, { cause: error, data: { root } });
      });
      if (ran.exitCode === REGISTER_FAILED) {
        const index = Number(/^JBREGFAIL (\d+)$/m.exec(ran.stderr)?.[1]);
        const manifest = options.manifests[index];
        const reason = ran.stderr.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('JBREGFAIL')) ?? `exit ${ran.exitCode}`;
        const what = manifest === undefined ? 'a package' : `${manifest.name}-${manifest.version}`;
        throw new PkgbaseError('E_PKGBASE_REGISTER', `pkg could not register ${what} in ${root} (${reason}); check that pkg works (pkg -v) and run again`, {
          data: { package: manifest?.name, root },
        });
      }
    } finally {
      await host.remove(options.workDir);
    }
    return { registered: true, packages: options.manifests.length };
  });
}
