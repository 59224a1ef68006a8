/**
 * `jailbuild demo`: the whole path on any machine, no FreeBSD and no network —
 * generate a small FreeBSD-shaped release into a local mirror, bootstrap it
 * with the dir backend, create a jail, and show the jail.conf it wrote. With
 * `--from pkgbase` the same release is published as a signed FreeBSD-base
 * package repository (a key made for the demo, trusted for this run only) and
 * the basejail is bootstrapped from its packages instead of base.txz.
 */
import type { Command } from 'commander';
import type { BootstrapOptions } from '../../bootstrap/bootstrap-release.js';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

export function register(command: Command, io: CliIo): void {
  command
    .option('--name <name>', 'name of the demo jail', 'bsd-demo01')
    .option('--release <release>', 'release name the synthetic release carries (default: 14.2-RELEASE, 15.0-RELEASE with --from pkgbase)')
    .option('--from <source>', 'bootstrap from dist (base.txz) or pkgbase (a synthetic signed FreeBSD-base repository)', 'dist')
    .addHelpText('after', '\nEverything goes under --root (default: a new directory in the system temp dir), which is kept for you to look at.')
    .action(
      commandAction(io, 'jailbuild demo', async (ctx, options: { name: string; release?: string; from: string }) => {
        const { tmpdir } = await import('node:os');
        const { join } = await import('node:path');
        const { pathToFileURL } = await import('node:url');
        const { generateRelease } = await import('../../synthetic/index.js');
        const { resolveSettings } = await import('../../config/settings.js');
        const { parseReleaseName } = await import('../../release/parse-release-name.js');
        const { DirBackend } = await import('../../storage/dir-backend.js');
        const { bootstrapRelease } = await import('../../bootstrap/bootstrap-release.js');
        const { prepareCreateJail } = await import('../../app/prepare-create-jail.js');
        const { jailConfPath } = await import('../../jail/plan-create-jail.js');
        const { applyPlan } = await import('../../plan/apply-plan.js');
        const { hostLockStep } = await import('../../plan/host-lock.js');
        const { withLockStep } = await import('../../plan/plan.js');
        const { allocationLockPath, withAllocationLock } = await import('../../jail/with-allocation-lock.js');
        const { renderPlan } = await import('../../plan/render-plan.js');
        const { version } = await import('../version.js');
        const { archPath } = await import('../../release/arch-path.js');

        const { UsageError } = await import('../../errors.js');
        if (options.from !== 'dist' && options.from !== 'pkgbase') throw new UsageError('E_USAGE_FROM', `unknown --from '${options.from}'; use dist or pkgbase`);
        const pkgbase = options.from === 'pkgbase';
        const release = parseReleaseName(options.release ?? (pkgbase ? '15.0-RELEASE' : '14.2-RELEASE')).name;
        if (pkgbase) {
          // Refuses a release without pkgbase (before 15.0) before anything is written.
          const { pkgbaseRepository } = await import('../../pkgbase/pkgbase-repository.js');
          pkgbaseRepository(release, ctx.settings.arch);
        }
        if (ctx.settings.dryRun) {
          // --dry-run writes nothing anywhere: not even the demo's temp dir.
          const where = ctx.settings.root !== '/usr/local/jailbuild' ? ctx.settings.root : join(tmpdir(), 'jailbuild-demo-XXXXXX');
          const steps = [
            `generate a synthetic ${release} into ${join(where, 'mirror')}`,
            ...(pkgbase ? [`publish it as a signed FreeBSD-base package repository in ${join(where, 'mirror')} (a key made for the demo)`] : []),
            `bootstrap it${pkgbase ? ' from pkgbase' : ''} with the dir backend under ${where} (basejail, template@base)`,
            `create jail ${options.name} (${join(where, 'etc/jail.conf.d', `${options.name}.conf`)})`,
          ];
          return { data: { dryRun: true, root: where, release, from: options.from, jail: options.name, steps }, text: ['# demo --dry-run: nothing written; it would', ...steps.map((s) => `#   ${s}`)].join('\n') };
        }
        // The demo always runs on this machine (its door is ctx.local), --host or not.
        const local = ctx.local;
        const root = ctx.settings.root !== '/usr/local/jailbuild' ? ctx.settings.root : await local.makeTempDir('jailbuild-demo-');
        const log: string[] = [];
        const say = (line: string) => {
          log.push(line);
          ctx.onProgress({ kind: 'info', message: line });
        };

        const mirrorDir = join(root, 'mirror');
        const generated = await generateRelease({ outDir: mirrorDir, release, arch: ctx.settings.arch, size: 'small' });
        say(`generated a synthetic ${release}: ${generated.entryCount} entries, ${generated.compressedBytes} bytes of base.txz in ${generated.releaseDir}`);

        // The demo's own settings: everything under root, the dir backend, the local mirror only.
        const settings = resolveSettings(
          { storage: { backend: 'dir' } },
          { root, mirrors: [pathToFileURL(mirrorDir).href], json: ctx.settings.json, dryRun: false, arch: ctx.settings.arch },
          root,
          root,
        );
        const storage = new DirBackend(local, { root });
        // The synthetic MANIFEST is trusted because we just made it: pin it like a known release.
        const trustedManifests = { [`${release}/${settings.arch}`]: generated.manifestSha256 };
        let pkgbaseOptions: Pick<BootstrapOptions, 'from' | 'pkgMirrors' | 'trustedPkgFingerprints'> = {};
        if (pkgbase) {
          const { generateKeyPairSync } = await import('node:crypto');
          const { generatePkgbaseRepo } = await import('../../synthetic/generate-pkgbase-repo.js');
          const { pkgKeyFingerprint } = await import('../../pkgbase/pkg-key-fingerprint.js');
          const { pkgFingerprintSet } = await import('../../pkgbase/pinned-fingerprints.js');
          // A key made for this demo and trusted for this run only, as a private repository's key is with trustedPkgFingerprints.
          const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
          const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
          const repo = await generatePkgbaseRepo({ outDir: mirrorDir, release, arch: archPath(settings.arch).cpu, signingKey: { privateKey, publicKeyPem } });
          const fingerprint = pkgKeyFingerprint(publicKeyPem);
          say(`published it as a FreeBSD-base repository: ${repo.packages.size} packages in ${repo.repoDir}, catalogue signed by ${fingerprint.slice(0, 16)}…`);
          const major = Number(/^(\d+)/.exec(release)?.[1]);
          pkgbaseOptions = { from: 'pkgbase', pkgMirrors: [pathToFileURL(mirrorDir).href], trustedPkgFingerprints: { [pkgFingerprintSet(major)]: [fingerprint] } };
        }
        const boot = await bootstrapRelease({ settings, host: local, local, storage, release, warn: ctx.warn, onProgress: ctx.onProgress, trustedManifests, version: version(), ...pkgbaseOptions });
        if (boot.pkgbase !== undefined) {
          const registration = boot.pkgbase.registration;
          say(
            `installed ${boot.pkgbase.packages.length} packages (${boot.pkgbase.requested.join(', ')}), each checked against the signed catalogue${registration?.registered ? ', registered with pkg' : registration?.skipped ? `; ${registration.skipped}` : ''}`,
          );
        }
        say(`bootstrapped: basejail ${boot.basejail.path} (read-only), template ${boot.template.path}@${boot.template.snapshot} (${boot.userland ?? '?'})`);

        // The same preparation `jailbuild create` runs (the bootstrap above is already done, so it is reused).
        // Under the host lock, as `create` runs it: addresses are chosen and the jail written with no other run in between.
        const plan = await withAllocationLock({ settings, host: local, onProgress: ctx.onProgress }, async () => {
          const prepared = await prepareCreateJail(
            { name: options.name, release, ip4: ['lo1|127.0.1.1/32'], rcConf: { sshd_enable: 'YES' } },
            { settings, host: local, storage, warn: ctx.warn, onProgress: ctx.onProgress, version: version() },
          );
          const locked = withLockStep(prepared.plan, hostLockStep(settings.lockDir, local.name));
          await applyPlan(local, locked, { onProgress: ctx.onProgress, storage, heldLocks: new Set([allocationLockPath(settings)]) });
          return locked;
        });
        const confFile = jailConfPath(settings, options.name);
        const jailConf = (await local.readFile(confFile)) ?? '';
        say(`created jail ${options.name} at ${storage.pathOf(`jails/${options.name}`)}`);

        const script = renderPlan(plan, { storage: settings.storage, root });
        const text = [
          ...log.map((l) => `• ${l}`),
          '',
          'The create plan that ran (what --dry-run prints):',
          script.trimEnd(),
          '',
          `${confFile}:`,
          jailConf.trimEnd(),
          '',
          `Look around: ls ${root}   (node bin/jailbuild.js --root ${root} --backend dir list)`,
        ].join('\n');
        return { data: { root, release, generated, bootstrap: boot, jail: options.name, jailConf: { path: confFile, content: jailConf }, plan }, text };
      }),
    );
}
