/**
 * Test fixture: a release directory in a mirror tree, with a MANIFEST
 * computed from the given dist files exactly as make-manifest.sh lays it out.
 * The files' bytes are whatever the test passes (fetch never parses them).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

export interface ReleaseTree {
  /** Directory written, `<root>/<prefix><arch>/<cpu>/<release>`. */
  dir: string;
  manifest: string;
  manifestSha256: string;
  /** file name → sha256 */
  sha256: Record<string, string>;
}

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * @param layout 'releases' for a normal mirror (`releases/amd64/amd64/…`), 'archive' for the old-releases tree (`amd64/amd64/…`).
 */
export async function writeReleaseTree(
  root: string,
  release: string,
  files: Record<string, Buffer>,
  options: { layout?: 'releases' | 'archive'; arch?: 'amd64' | 'arm64' } = {},
): Promise<ReleaseTree> {
  const [arch, cpu] = options.arch === 'arm64' ? ['arm64', 'aarch64'] : ['amd64', 'amd64'];
  const dir = join(root, ...(options.layout === 'archive' ? [] : ['releases']), arch, cpu, release);
  await fs.mkdir(dir, { recursive: true });
  const sums: Record<string, string> = {};
  const lines: string[] = [];
  for (const file of Object.keys(files).sort()) {
    const data = files[file] as Buffer;
    await fs.writeFile(join(dir, file), data);
    sums[file] = sha256(data);
    const dist = file.replace(/\.txz$/, '').replace(/[-.]/g, '_');
    lines.push(`${file}\t${sums[file]}\t${data.length % 1000}\t${dist}\t"${dist} test set"\t${dist === 'base' ? 'on' : 'off'}`);
  }
  const manifest = `${lines.join('\n')}\n`;
  await fs.writeFile(join(dir, 'MANIFEST'), manifest);
  return { dir, manifest, manifestSha256: sha256(manifest), sha256: sums };
}

/** Every file under `dir`, relative, sorted: what a test asserts "nothing left" on. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  await walk(dir, '');
  return out.sort();
}
