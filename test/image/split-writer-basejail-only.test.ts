/**
 * The split writer without a template directory (a pkgbase patch upgrade's
 * new basejail): basejail entries and the basejail half of shared
 * directories are written as in a full split, template entries are placed
 * and checked but not written (their bytes dropped), file flags come back
 * for the basejail only, and a basejail hard link to a template file, whose
 * target was never written, is refused. Entries go straight to the writer,
 * real files on this machine.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { test } from 'node:test';
import { join } from 'node:path';
import { LocalHost } from '../../src/host/local-host.js';
import { createSplitLayout } from '../../src/image/split-layout.js';
import { SplitWriter } from '../../src/image/split-writer.js';
import type { TarEntry, TarEntryType } from '../../src/image/tar-parser.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';
import { makeTempDir } from './split-fixtures.js';

let index = 0;
function entry(type: TarEntryType, path: string, extra: Partial<TarEntry> = {}): TarEntry {
  return { index: ++index, path, type, typeflag: '', mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, size: 0, mtime: 1732838400, atime: undefined, linkpath: '', flags: undefined, ...extra };
}

async function writer(basejailDir: string): Promise<SplitWriter> {
  await mkdir(basejailDir);
  return new SplitWriter({ basejailDir, templateDir: undefined, layout: createSplitLayout(['etc', 'var', 'root', 'usr/local']), mountPoint: 'basejail', pristineEtcDir: undefined, preserveOwner: false, warn: () => {}, writers: 0, local: new LocalHost() });
}

function file(w: SplitWriter, path: string, content: string, extra: Partial<TarEntry> = {}): void {
  w.entry(entry('file', path, { size: content.length, ...extra }));
  w.data(Buffer.from(content));
  w.entryEnd();
}

test('basejail only: basejail side written as usual, template side placed but not written, flags of the basejail only', async () => {
  const { dir, cleanup } = await makeTempDir('jb-basejail-only-');
  try {
    const basejail = join(dir, 'basejail');
    const w = await writer(basejail);
    await w.start();
    w.entry(entry('dir', './'));
    w.entry(entry('dir', 'bin'));
    file(w, 'bin/sh', 'sh\n', { mode: 0o555, flags: 'schg' });
    w.entry(entry('hardlink', 'bin/[', { linkpath: 'bin/sh', mode: 0o555 }));
    w.entry(entry('dir', 'etc'));
    file(w, 'etc/motd', 'template side\n', { flags: 'uchg' });
    w.entry(entry('hardlink', 'etc/motd.link', { linkpath: 'etc/motd' }));
    w.entry(entry('hardlink', 'etc/sh', { linkpath: 'bin/sh' }));
    w.entry(entry('dir', 'usr'));
    w.entry(entry('dir', 'usr/bin'));
    w.entry(entry('symlink', 'usr/bin/sh', { linkpath: '../../bin/sh' }));
    w.entry(entry('dir', 'var/empty', { mode: 0o555, flags: 'schg' }));
    w.finish();
    await w.close();
    const tree = snapshotTree(basejail);
    assert.deepEqual(Object.keys(tree).sort(), ['', 'bin', 'bin/[', 'bin/sh', 'usr', 'usr/bin', 'usr/bin/sh']);
    assert.match(tree['bin/sh'] ?? '', /^file mode=555 .*nlink=2 /);
    assert.deepEqual(w.flags, [{ path: 'bin/sh', tree: 'basejail', flags: 'schg' }]);
    assert.deepEqual(w.links, []);
    // A template-side entry still counts as a file in the parent checks: nothing may be written through it.
    assert.throws(() => w.entry(entry('file', 'etc/motd/x')), { code: 'E_IMAGE_SYMLINK_ESCAPE' });
  } finally {
    await cleanup();
  }
});

test('basejail only: a basejail hard link to a template file is refused with the fix', async () => {
  const { dir, cleanup } = await makeTempDir('jb-basejail-only-');
  try {
    const w = await writer(join(dir, 'basejail'));
    await w.start();
    w.entry(entry('dir', 'etc'));
    file(w, 'etc/rc', 'rc\n');
    w.entry(entry('dir', 'sbin'));
    assert.throws(() => w.entry(entry('hardlink', 'sbin/rc', { linkpath: 'etc/rc' })), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'E_IMAGE_HARDLINK');
      assert.match(error.message, /hard link to the template's 'etc\/rc', which a basejail-only split does not write: refusing it; bootstrap the release again/);
      return true;
    });
    w.abort();
    await w.close();
  } finally {
    await cleanup();
  }
});
