/**
 * The resolved settings every layer reads: one value, made once from the
 * config file and the flags by `src/config/settings.ts` (`resolveSettings`),
 * then passed down. The type lives here, below the domain folders, because
 * they all read it while `src/config/` sits above them (its schema composes
 * theirs); see docs/ARCHITECTURE.md § Layers.
 */

export type Arch = 'amd64' | 'arm64';

export type StorageSettings = { backend: 'dir' } | { backend: 'zfs'; dataset: string };

/** Release paths copied into each template (docs/ARCHITECTURE.md, recipe step 2); the config's `split.writable` replaces them. */
export const DEFAULT_WRITABLE = ['etc', 'dev', 'media', 'mnt', 'proc', 'root', 'tmp', 'var', 'usr/local', 'usr/obj', '.cshrc', '.profile', 'COPYRIGHT'] as const;

export interface Settings {
  /** Data root: basejail/, templates/, jails/ live here with the dir backend (`--root`, the config's `root` or `dataRoot`). */
  root: string;
  /** Release cache: `<cache>/<release>/<arch>/`. */
  cache: string;
  arch: Arch;
  /** Release mirrors, tried in order. */
  mirrors: string[];
  /** Old-releases archive roots, tried after `mirrors` on 404. */
  archiveMirrors: string[];
  /** Refuse unpinned MANIFESTs and turn warnings into errors. */
  strict: boolean;
  /** A download that receives nothing for this long is aborted and retried (config `fetch.stallTimeout`, seconds). */
  fetchStallTimeoutMs: number;
  /** MANIFEST pins added to the built-in table, `<release>/<arch>` → sha256. */
  trustedManifests: Record<string, string>;
  /** pkg signing-key fingerprints added to the pinned ones, set name (`pkgbase-15`) → sha256 hex list. */
  trustedPkgFingerprints: Record<string, string[]>;
  /** Where bootstrap takes the base system from (config `bootstrap.from`); undefined: by release (see `chooseBaseSource`). */
  bootstrapFrom: 'dist' | 'pkgbase' | undefined;
  /** pkgbase: sets or packages to install (config `bootstrap.set`). */
  pkgbaseSet: string[];
  /** pkgbase: pkg mirrors, tried in order (config `bootstrap.pkgMirrors`). */
  pkgMirrors: string[];
  storage: StorageSettings;
  /** Private key that signs exports (`signingKey`), absolute. */
  signingKey: string | undefined;
  /** Allowed-signers file that import checks signatures against (`trustedSigners`), absolute. */
  trustedSigners: string | undefined;
  /** Directory of per-jail `<name>.conf` files. */
  jailConfDir: string;
  /** The host's main jail.conf that must `.include` jailConfDir. */
  jailConfMain: string;
  /** The host's rc.conf (jail_enable/jail_list for --boot). */
  hostRcConf: string;
  /** Directory of jailbuild's lock files. */
  lockDir: string;
  /** Paths copied into templates instead of shared from the basejail. */
  writable: string[];
  defaultRelease: string | undefined;
  defaultTemplate: string;
  dryRun: boolean;
  json: boolean;
}
