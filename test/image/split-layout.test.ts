import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_WRITABLE } from '../../src/model/settings.js';
import { createSplitLayout } from '../../src/image/index.js';
import { normalizeEntryPath } from '../../src/image/normalize-entry-path.js';

const layout = createSplitLayout(DEFAULT_WRITABLE);

test('placement follows the writable set, not a list of basejail names', () => {
  const cases: [string, string, string?][] = [
    ['', 'both'], // the archive root `./` exists in both trees
    ['usr', 'both'], // parent of usr/local and usr/obj
    ['etc', 'template'],
    ['etc/rc.d/sshd', 'template'],
    ['.cshrc', 'template'],
    ['COPYRIGHT', 'template'],
    ['var/empty', 'template'],
    ['usr/local', 'template'],
    ['usr/obj/x', 'template'],
    ['bin', 'basejail', 'bin'],
    ['bin/sh', 'basejail', 'bin'],
    ['sys', 'basejail', 'sys'], // the `sys -> usr/src/sys` symlink is linked like any top-level entry
    ['usr/share/man/man1/ls.1.gz', 'basejail', 'usr/share'],
    ['usr/localx', 'basejail', 'usr/localx'], // prefix match must be per component
    ['etcetera/x', 'basejail', 'etcetera'],
    ['newtop/file', 'basejail', 'newtop'], // a future release's new top-level entry
  ];
  for (const [path, tree, linkPoint] of cases) {
    const placement = layout.place(path);
    assert.equal(placement.tree, tree, path);
    if (placement.tree === 'basejail') assert.equal(placement.linkPoint, linkPoint, path);
  }
});

test('a deeper writable path makes each of its ancestors shared', () => {
  const custom = createSplitLayout(['etc', 'usr/share/skel']);
  assert.deepEqual([...custom.mixed].sort(), ['usr', 'usr/share']);
  assert.deepEqual(custom.place('usr/share/man'), { tree: 'basejail', linkPoint: 'usr/share/man' });
  assert.deepEqual(custom.place('usr/share/skel/dot.cshrc'), { tree: 'template' });
});

test('unusable writable sets are refused', () => {
  for (const bad of [['/etc'], ['../etc'], ['usr/./local'], ['usr', 'usr/local']]) {
    assert.throws(() => createSplitLayout(bad), { code: 'E_IMAGE_OPTIONS' }, bad.join(','));
  }
});

test('entry names are normalised; absolute names and .. are refused', () => {
  const ok: [string, string][] = [
    ['./', ''],
    ['.', ''],
    ['./bin/', 'bin'],
    ['./usr/bin/ls', 'usr/bin/ls'],
    ['usr//bin/./ls', 'usr/bin/ls'],
    ['./a/..b/c..', 'a/..b/c..'], // dots inside names are fine
  ];
  for (const [raw, expected] of ok) assert.equal(normalizeEntryPath(raw, 1), expected, raw);
  const bad: [string, string][] = [
    ['/etc/passwd', 'E_IMAGE_ABSOLUTE_PATH'],
    ['../x', 'E_IMAGE_DOTDOT'],
    ['./a/../../x', 'E_IMAGE_DOTDOT'],
    ['a/..', 'E_IMAGE_DOTDOT'],
    ['..', 'E_IMAGE_DOTDOT'],
  ];
  for (const [raw, code] of bad) assert.throws(() => normalizeEntryPath(raw, 1), { code }, raw);
  assert.throws(() => normalizeEntryPath('/etc/passwd', 1, 'hard link target'), { code: 'E_IMAGE_HARDLINK' });
});
