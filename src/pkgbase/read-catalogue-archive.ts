/**
 * Unpacks a catalogue archive (`packagesite.pkg`, `data.pkg`, `meta.txz`)
 * into memory: the one member pkg wants (`packagesite.yaml`, `data`) and the
 * `<name>.sig`/`<name>.pub` entries next to it. pkg's own limits apply (at most
 * 8 signature entries, each 1 byte to 1 MiB) so a hostile archive cannot make
 * us buffer without bound; other entries are skipped unread.
 */
import type { TarEntry } from '../image/tar-parser.js';
import { PkgbaseError } from './pkgbase-error.js';
import { readCompressedTar } from './read-compressed-tar.js';

export const MAX_SIGNATURE_ENTRIES = 8;
export const MAX_SIGNATURE_SIZE = 1024 * 1024;
/** The largest member we buffer: FreeBSD-base's packagesite.yaml is a few MB. */
export const MAX_CATALOGUE_MEMBER_SIZE = 512 * 1024 * 1024;

export interface CatalogueArchive {
  /** The member's bytes, or undefined when the archive does not have it. */
  member: Buffer | undefined;
  /** Signature entries by full name (`signature.sig`, `signature.pub`). */
  signatureEntries: Map<string, Buffer>;
}

function bareName(path: string): string {
  return path.replace(/^(\.\/)+/, '');
}

export async function readCatalogueArchive(bytes: Buffer, memberName: string, label: string): Promise<CatalogueArchive> {
  const signatureEntries = new Map<string, Buffer>();
  let member: Buffer | undefined;
  let current: { name: string; chunks: Buffer[]; isMember: boolean } | undefined;
  const refuse = (what: string, entry: TarEntry): never => {
    throw new PkgbaseError('E_PKGBASE_SIGNATURE_ENTRY', `${label}: ${what} (${entry.path}); the catalogue is malformed or hostile, do not use this repository`, { data: { archive: label, entry: entry.path } });
  };
  await readCompressedTar(
    bytes,
    {
      entry(entry) {
        current = undefined;
        if (entry.type !== 'file') return;
        const name = bareName(entry.path);
        if (name.endsWith('.sig') || name.endsWith('.pub')) {
          if (signatureEntries.size + 1 > MAX_SIGNATURE_ENTRIES) refuse(`more than ${MAX_SIGNATURE_ENTRIES} signature entries`, entry);
          if (entry.size <= 0 || entry.size > MAX_SIGNATURE_SIZE) refuse(`signature entry of ${entry.size} bytes`, entry);
          current = { name, chunks: [], isMember: false };
        } else if (name === memberName) {
          if (entry.size > MAX_CATALOGUE_MEMBER_SIZE) {
            throw new PkgbaseError('E_PKGBASE_CATALOGUE', `${label}: ${name} is ${entry.size} bytes, over the ${MAX_CATALOGUE_MEMBER_SIZE} byte limit; check the repository url`, { data: { archive: label } });
          }
          current = { name, chunks: [], isMember: true };
        }
      },
      data(chunk) {
        current?.chunks.push(Buffer.from(chunk));
      },
      entryEnd() {
        if (current === undefined) return;
        const body = Buffer.concat(current.chunks);
        if (current.isMember) member = body;
        else signatureEntries.set(current.name, body);
        current = undefined;
      },
    },
    label,
  );
  return { member, signatureEntries };
}
