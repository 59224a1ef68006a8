import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { HIERARCHY_TSV } from '../../src/synthetic/data/hierarchy-tsv.js';
import { SPECIAL_FILES_TSV } from '../../src/synthetic/data/special-files-tsv.js';
import { hierarchyRows, specialFileRows } from '../../src/synthetic/freebsd-data.js';

// The .tsv files are the source; the .ts modules embed them so they reach dist/.
describe('embedded FreeBSD fact tables', () => {
  for (const [file, embedded] of [['hierarchy.tsv', HIERARCHY_TSV], ['special-files.tsv', SPECIAL_FILES_TSV]] as const) {
    it(`${file} module matches the .tsv next to it`, async () => {
      assert.equal(embedded, await readFile(new URL(`../../src/synthetic/data/${file}`, import.meta.url), 'utf8'));
    });
  }

  it('parses 561 directories with octal modes and the schg flag on var/empty', () => {
    const rows = hierarchyRows();
    assert.equal(rows.length, 561);
    assert.deepEqual(rows.find((row) => row.path === 'var/empty'), { path: 'var/empty', mode: 0o555, uname: 'root', gname: 'wheel', flags: 'schg' });
    assert.deepEqual(rows.find((row) => row.path === 'tmp'), { path: 'tmp', mode: 0o1777, uname: 'root', gname: 'wheel' });
  });

  it('parses special-file modes, owners and link targets', () => {
    const rows = specialFileRows();
    assert.equal(rows.filter((row) => row.kind === 'schg').length, 10);
    assert.deepEqual(
      (({ mode, uname, gname }) => ({ mode, uname, gname }))(rows.find((row) => row.path === 'usr/sbin/authpf' && row.kind === 'setgid')!),
      { mode: 0o6555, uname: 'root', gname: 'authpf' },
    );
    assert.equal(rows.find((row) => row.path === '.cshrc')?.target, 'root/.cshrc');
    assert.equal(rows.find((row) => row.path === 'sys')?.target, 'usr/src/sys');
    assert.equal(rows.filter((row) => row.kind === 'hardlink' && row.target === 'rescue/rescue').length, 145);
  });
});
