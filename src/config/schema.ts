/**
 * The shape of `jailbuild.config.ts` (or .js/.json/.yaml). Objects are strict:
 * an unknown key is a config error naming the key, because a typo such as
 * `mirors` silently ignored is worse than a refusal. Every key carries its
 * description, default and examples in `.meta()`: docs/CONFIG.md is generated
 * from them (`npm run gen:docs`), and a test fails when that file drifts.
 */
import { z } from 'zod';
import { networkSchema } from '../network/network-schema.js';
import { fleetSchemaShape } from '../fleet/fleet-schema.js';
import { DEFAULT_WRITABLE } from '../model/settings.js';
import { storageSchema } from '../storage/storage-schema.js';

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path inside the release, without ".."');

export const configSchema = z
  .object({
    root: z
      .string()
      .min(1)
      .optional()
      .meta({
        description:
          'Relocates everything, like `--root`: jailbuild\'s data (basejails, templates, jails, cache) and the host files it edits (`<root>/etc/jail.conf`, `jail.conf.d`, `rc.conf`, `pf.jailbuild.conf`). For a sandbox or a checkout; not together with `dataRoot`.',
        examples: ['./.jailbuild'],
      }),
    dataRoot: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Moves only jailbuild\'s data (basejails, templates, jails, cache); host files stay in /etc, where jail(8) and rc(8) read them. For production; not together with `root`.', default: '/usr/local/jailbuild', examples: ['/data/jailbuild'] }),
    cache: z.string().min(1).optional().meta({ description: 'Release cache: `<cache>/<release>/<arch>/base.txz` and the MANIFEST.', defaultText: '`<dataRoot>/repos` (or `<root>/repos`)', examples: ['./repos'] }),
    arch: z.enum(['amd64', 'arm64']).optional().meta({ description: 'Release architecture to fetch and bootstrap.', default: 'amd64', examples: ['arm64'] }),
    mirrors: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .meta({
        description: 'Release mirrors, tried in order: `https://`, `http://`, `file://` or a plain path. A private mirror serving its own builds also needs their MANIFEST pinned in `trustedManifests`.',
        default: ['https://download.freebsd.org'],
        examples: [['https://mirror.example.org/freebsd', 'https://download.freebsd.org'], ['file:///srv/freebsd-mirror']],
      }),
    archiveMirrors: z
      .array(z.string().min(1))
      .optional()
      .meta({ description: 'Old-releases archive roots, tried after `mirrors` answer 404 (end-of-life releases).', default: ['https://ftp-archive.freebsd.org/pub/FreeBSD-Archive/old-releases'], examples: [['https://archive.example.org/old-releases']] }),
    trustedManifests: z
      .record(
        z.string().regex(/^\d+\.\d+-[A-Z0-9]+\/(amd64|arm64)$/, 'keys look like 14.2-RELEASE/amd64').meta({ description: '`<release>/<arch>`' }),
        z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex').meta({ description: 'sha256 (64 hex digits)' }),
      )
      .optional()
      .meta({
        description:
          'Extra MANIFEST pins, `<release>/<arch>` → sha256 of that release\'s MANIFEST file; they take precedence over the sums shipped with jailbuild. Needed for a private mirror: your own build of a release FreeBSD published (e.g. 14.2-RELEASE) has another MANIFEST and is refused (`E_RELEASE_MANIFEST_UNTRUSTED`) until pinned here; a release jailbuild knows no sum for is accepted with a warning, or refused under `strict`. Get the sum with `sha256 MANIFEST` where you built it.',
        examples: [{ '14.2-RELEASE/amd64': '3f7c0b9e5a1d2c4b6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d' }],
      }),
    trustedPkgFingerprints: z
      .record(
        z.string().regex(/^[A-Za-z0-9._-]+$/, 'keys are fingerprint set names like pkgbase-15').meta({ description: 'fingerprint set name' }),
        z.array(z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in lowercase hex')).meta({ description: 'sha256 hex of each trusted key' }),
      )
      .optional()
      .meta({
        description:
          'Extra trusted pkg signing-key fingerprints by set name (`pkgbase-15`, or your own repository\'s): the sha256 of the key\'s PEM file, as in /usr/share/keys/pkgbase-15/trusted/ (docs/PKGBASE.md). Needed for a private pkgbase repository, the way `trustedManifests` is for a private dist mirror.',
        examples: [{ 'pkgbase-15': ['0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'] }],
      }),
    bootstrap: z
      .object({
        from: z
          .enum(['dist', 'pkgbase'])
          .optional()
          .meta({
            description:
              'Where `bootstrap` takes the base system from: `dist` (base.txz from `mirrors`, checked against its pinned MANIFEST) or `pkgbase` (FreeBSD-base packages from `pkgMirrors`, catalogue signature checked against `trustedPkgFingerprints`). Same as `bootstrap --from`.',
            defaultText: 'by what the mirrors have: `dist` when `mirrors` carry the release\'s dist sets (its MANIFEST), `pkgbase` when they do not but `pkgMirrors` have its FreeBSD-base repository; an error naming both when neither has it. Releases before 15.0: `dist`',
            examples: ['pkgbase'],
          }),
        set: z
          .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
          .optional()
          .meta({
            description:
              'pkgbase only: what to install, sets or packages. A word names the set `FreeBSD-set-<word>` when the catalogue has it (`minimal-jail`, `base-jail`, `base`), else the package `FreeBSD-<word>`, else a full package name; dependencies are added. Same as `bootstrap --set`.',
            default: 'minimal-jail',
            examples: ['base-jail', ['minimal-jail', 'FreeBSD-csh']],
          }),
        pkgMirrors: z
          .array(z.string().min(1))
          .min(1)
          .optional()
          .meta({
            description: 'pkgbase only: pkg mirrors, tried in order; the repository is `<mirror>/<ABI>/base_release_<minor>/` (FreeBSD.conf\'s FreeBSD-base layout). Same as `bootstrap --pkg-mirror`.',
            default: ['https://pkg.FreeBSD.org'],
            examples: [['https://pkg.example.org', 'https://pkg.FreeBSD.org']],
          }),
      })
      .strict()
      .optional()
      .meta({ description: 'How `bootstrap` (and `create`, `apply` when they bootstrap) builds a basejail: from dist sets or from pkgbase packages (docs/PKGBASE.md).', examples: [{ from: 'pkgbase', set: 'minimal-jail' }] }),
    signingKey: z
      .string()
      .min(1)
      .optional()
      .meta({
        description:
          'Private SSH key that signs exports (`ssh-keygen -Y sign -n jailbuild`), so another host can check where a jail came from. Any key ssh-keygen can use (ed25519, rsa, ecdsa; an agent-held key through its `.pub` path). Same as `export --sign-key`; relative paths are relative to the config file.',
        examples: ['/root/.ssh/id_ed25519'],
      }),
    trustedSigners: z
      .string()
      .min(1)
      .optional()
      .meta({
        description:
          'Allowed-signers file (ssh-keygen(1) ALLOWED SIGNERS: one `<principal> <key type> <public key>` per line) whose keys `import` accepts on an export\'s signature, as `trustedManifests` is for release MANIFESTs. A file signed by another key, unsigned or changed after signing is refused before anything is written (`--allow-unsigned` accepts unsigned files for local use). Relative paths are relative to the config file.',
        examples: ['/usr/local/etc/jailbuild/allowed_signers'],
      }),
    fetch: z
      .object({
        stallTimeout: z.number().positive().max(86_400).optional().meta({ description: 'Seconds without a byte before a download is aborted and retried, resuming from the bytes already on disk. Same as `fetch --stall-timeout`.', default: 60, examples: [120] }),
      })
      .strict()
      .optional()
      .meta({ description: 'Release downloads.', examples: [{ stallTimeout: 120 }] }),
    strict: z.boolean().optional().meta({ description: 'Refuse releases whose MANIFEST is not pinned (shipped or `trustedManifests`), and turn warnings into errors. Same as `--strict`.', default: false, examples: [true] }),
    storage: storageSchema.optional(),
    jailConf: z
      .object({
        dir: z.string().min(1).optional().meta({ description: 'One `<name>.conf` per jail.', defaultText: '`/etc/jail.conf.d` (`<root>/etc/jail.conf.d` with `--root`)', examples: ['/etc/jail.conf.d'] }),
        main: z.string().min(1).optional().meta({ description: 'The main jail.conf, which gets the `.include` of `dir`.', defaultText: '`/etc/jail.conf` (`<root>/etc/jail.conf` with `--root`)', examples: ['/etc/jail.conf'] }),
      })
      .strict()
      .optional()
      .meta({ description: 'Host jail.conf locations.', examples: [{ dir: '/etc/jail.conf.d', main: '/etc/jail.conf' }] }),
    split: z
      .object({
        writable: z
          .array(relativePath)
          .min(1)
          .meta({ description: 'Release paths copied into each template (writable per jail); everything else stays in the read-only basejail and is linked.', default: [...DEFAULT_WRITABLE], examples: [[...DEFAULT_WRITABLE, 'usr/share/skel']] }),
      })
      .strict()
      .optional()
      .meta({ description: 'How a release is split into basejail and template.', examples: [{ writable: [...DEFAULT_WRITABLE, 'usr/share/skel'] }] }),
    networks: z
      .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'network names start with a letter: letters, digits, _ and -').meta({ description: 'network name' }), networkSchema)
      .optional()
      .meta({
        description: 'Named networks jails attach to (`create --net lan`, `jails.<name>.network: \'lan\'`); `jailbuild network setup` prepares the host for them.',
        examples: [{ lan: { mode: 'vnet-bridge', interface: 'bridge0', uplink: 'em0', pool: '10.0.1.0/24', gateway: '10.0.1.1', ip4: 'auto' } }],
      }),
    defaults: z
      .object({
        release: z.string().optional().meta({ description: 'Release for commands and fleet jails that name none.', examples: ['14.2'] }),
        template: z.string().optional().meta({ description: 'Template for commands and fleet jails that name none.', default: 'default', examples: ['web'] }),
      })
      .strict()
      .optional()
      .meta({ description: 'Defaults for flags a command was not given.', examples: [{ release: '14.2', template: 'default' }] }),
    ...fleetSchemaShape,
  })
  .strict();

export type JailbuildConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
