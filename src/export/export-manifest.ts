/**
 * The manifest of an export file: what the payload is, where it came from
 * and the sha256 that ties it to the bytes. The SSH signature covers exactly
 * the manifest's bytes as stored, so the signature vouches for the payload
 * through `payload.sha256`. Parsed strictly: an unknown key or version is a
 * refusal, never a guess (see docs/EXPORT.md).
 */
import { z } from 'zod';
import { ExportError } from './export-error.js';

export const EXPORT_FORMAT = 'jailbuild-export' as const;
export const EXPORT_FORMAT_VERSION = 1 as const;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const jailParamSchema = z.object({ name: z.string().min(1), value: z.union([z.string(), z.array(z.string())]).optional(), append: z.boolean().optional() }).strict();

export const exportManifestSchema = z
  .object({
    format: z.literal(EXPORT_FORMAT),
    version: z.literal(EXPORT_FORMAT_VERSION),
    /** A jail (`jails/<name>`) or a template (`templates/<name>-<release>` with its snapshot). */
    kind: z.enum(['jail', 'template']),
    /** Jail name, or template name without the release. */
    name: z.string().min(1),
    /** Full release name, `14.2-RELEASE`. */
    release: z.string().min(1),
    arch: z.string().optional(),
    /** The basejail the tree was made for: the importing host must have (or bootstrap) this release. */
    basejail: z.object({ release: z.string(), patchlevel: z.string().optional(), sha256: sha256.optional() }).strict(),
    /** The template the jail was cloned from (`recipeSha256` for built templates). */
    template: z.object({ name: z.string(), snapshot: z.string().optional(), recipeSha256: z.string().optional() }).strict().optional(),
    jailbuildVersion: z.string(),
    sourceHost: z.string(),
    createdAt: z.string(),
    payload: z
      .object({
        /** `zfs-send`: a `zfs send` stream; `tar`: a pax tar of the tree (numeric owners, links stored as links). */
        format: z.enum(['zfs-send', 'tar']),
        compression: z.enum(['xz', 'zstd']),
        /** Compressed bytes. */
        size: z.number().int().nonnegative(),
        sha256,
        /** The snapshot the stream ends at (`zfs-send`). */
        snapshot: z.string().optional(),
        /** A `zfs send -i` stream: the receiving pool needs this snapshot, matched by guid. */
        incrementalFrom: z.object({ snapshot: z.string(), guid: z.string().regex(/^\d+$/) }).strict().optional(),
      })
      .strict(),
    /** The jail's configuration on the source (kind `jail`). */
    jail: z
      .object({
        hostname: z.string(),
        ip4: z.array(z.string()),
        ip6: z.array(z.string()),
        /** The jail's jail.conf block, host paths included (the importer rewrites them). */
        params: z.array(jailParamSchema),
        /** `jailbuild:*` properties of the dataset, e.g. `id`. */
        properties: z.record(z.string(), z.string()),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ExportManifest = z.output<typeof exportManifestSchema>;

/** The manifest as stored and signed: stable JSON, one trailing newline. */
export function serializeManifest(manifest: ExportManifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
}

export function parseManifest(bytes: Buffer, file: string): ExportManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ExportError('E_IMPORT_MANIFEST', `${file}: the manifest is not JSON: the file is damaged or not a jailbuild export; export it again`, { data: { file } });
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== EXPORT_FORMAT_VERSION) {
    throw new ExportError('E_IMPORT_MANIFEST', `${file}: export format version ${version} is not supported (this jailbuild reads ${EXPORT_FORMAT_VERSION}); use a matching jailbuild`, { data: { file, version } });
  }
  const parsed = exportManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(top)';
    throw new ExportError('E_IMPORT_MANIFEST', `${file}: manifest field ${where}: ${issue?.message ?? 'invalid'}; the file is damaged or from another tool`, { data: { file, field: where } });
  }
  return parsed.data;
}
