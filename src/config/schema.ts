/**
 * The shape of `jailbuild.config.ts` (or .js/.json/.yaml). Objects are strict:
 * an unknown key is a config error naming the key, because a typo such as
 * `mirors` silently ignored is worse than a refusal.
 */
import { z } from 'zod';
import { networkSchema } from '../network/network-schema.js';
import { createFleetSchemaShape } from '../fleet/fleet-schema.js';

export const DEFAULT_WRITABLE = ['etc', 'dev', 'media', 'mnt', 'proc', 'root', 'tmp', 'var', 'usr/local', 'usr/obj', '.cshrc', '.profile', 'COPYRIGHT'] as const;

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path inside the release, without ".."');

export const storageSchema = z.discriminatedUnion('backend', [
  z.object({ backend: z.literal('dir') }).strict(),
  z
    .object({
      backend: z.literal('zfs'),
      /** Parent dataset, e.g. `zroot/jailbuild`; children: basejail/, templates/, jails/. */
      dataset: z.string().regex(/^[A-Za-z0-9][\w.:-]*(\/[\w.:-]+)*$/, 'must be a ZFS dataset name like zroot/jailbuild'),
    })
    .strict(),
]);

export const configSchema = z
  .object({
    /**
     * Relocates everything, like `--root`: jailbuild's data (basejails, templates, jails, cache) and the host
     * files it edits (`<root>/etc/jail.conf`, `jail.conf.d`, `rc.conf`, `pf.jailbuild.conf`). For a sandbox.
     * Not together with `dataRoot`.
     */
    root: z.string().min(1).optional(),
    /** Moves only jailbuild's data (basejails, templates, jails, cache); host files stay in /etc. @default '/usr/local/jailbuild' */
    dataRoot: z.string().min(1).optional(),
    /** Release cache. @default '<root>/repos' */
    cache: z.string().min(1).optional(),
    /** @default 'amd64' */
    arch: z.enum(['amd64', 'arm64']).optional(),
    /** Mirrors tried in order; https://, http://, file:// or a plain path. @default the FreeBSD download site */
    mirrors: z.array(z.string().min(1)).min(1).optional(),
    /** Old-releases archive roots, tried after `mirrors` on 404 (EOL releases). */
    archiveMirrors: z.array(z.string().min(1)).optional(),
    /** Extra trusted MANIFEST sha256 pins, `<release>/<arch>` → hex (private builds, mirrors of your own). */
    trustedManifests: z.record(z.string().regex(/^\d+\.\d+-[A-Z0-9]+\/(amd64|arm64)$/, 'keys look like 14.2-RELEASE/amd64'), z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex')).optional(),
    /** Extra trusted pkg signing-key fingerprints by set name (`pkgbase-15`, or your own repository's), sha256 hex of the key's PEM, as in /usr/share/keys/pkgbase-15/trusted/ (docs/PKGBASE.md). */
    trustedPkgFingerprints: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/, 'keys are fingerprint set names like pkgbase-15'), z.array(z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in lowercase hex'))).optional(),
    /** Release downloads. */
    fetch: z
      .object({
        /** Seconds without a byte before a download is aborted and retried (resuming). @default 60 */
        stallTimeout: z.number().positive().max(86_400).optional(),
      })
      .strict()
      .optional(),
    /** Refuse releases whose MANIFEST is not in the pinned table. @default false */
    strict: z.boolean().optional(),
    storage: storageSchema.optional(),
    /** Host jail.conf locations. */
    jailConf: z
      .object({
        /** @default '/etc/jail.conf.d' (under --root when relocated) */
        dir: z.string().min(1).optional(),
        /** @default '/etc/jail.conf' (under --root when relocated) */
        main: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** Which release paths are writable (template) instead of shared (basejail). */
    split: z
      .object({ writable: z.array(relativePath).min(1) })
      .strict()
      .optional(),
    /** Named networks jails attach to (`net: 'lan'`); `jailbuild network setup` prepares the host for them. */
    networks: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'network names start with a letter: letters, digits, _ and -'), networkSchema).optional(),
    defaults: z
      .object({
        release: z.string().optional(),
        template: z.string().optional(),
      })
      .strict()
      .optional(),
    /** The fleet (`jailbuild plan` / `apply`): hosts, releases, templates, jails, prune. */
    ...createFleetSchemaShape(storageSchema),
  })
  .strict();

export type JailbuildConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
