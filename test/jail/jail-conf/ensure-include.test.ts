import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureInclude, parseJailConf } from '../../../src/jail/jail-conf/index.js';

const PATTERN = '/etc/jail.conf.d/*.conf';
const LINE = '.include "/etc/jail.conf.d/*.conf";\n';

describe('ensureInclude', () => {
  const cases: Array<{ why: string; text: string; want: string }> = [
    { why: 'empty file', text: '', want: LINE },
    { why: 'file ending with a newline', text: 'exec.clean;\n', want: `exec.clean;\n${LINE}` },
    { why: 'file without a final newline', text: 'foo {\n\tpersist;\n}', want: `foo {\n\tpersist;\n}\n${LINE}` },
    { why: 'only a commented-out include', text: `# ${LINE}`, want: `# ${LINE}${LINE}` },
    { why: 'a different include', text: '.include "/etc/jail.*.conf";\n', want: `.include "/etc/jail.*.conf";\n${LINE}` },
    { why: 'already there (unchanged, odd spacing kept)', text: `# mine\n  .include   '/etc/jail.conf.d/*.conf'  ;  # keep\n`, want: `# mine\n  .include   '/etc/jail.conf.d/*.conf'  ;  # keep\n` },
    { why: 'CRLF file and tabs kept byte for byte', text: 'a = "x";\r\n\tb;\r\n', want: `a = "x";\r\n\tb;\r\n${LINE}` },
  ];
  for (const c of cases) {
    it(c.why, () => {
      const out = ensureInclude(c.text, PATTERN);
      assert.equal(out, c.want);
      assert.ok(out.startsWith(c.text), 'what was there is kept byte for byte');
      assert.equal(ensureInclude(out, PATTERN), out, 'idempotent');
      assert.equal(parseJailConf(out).items.filter((i) => i.kind === 'include' && i.pattern === PATTERN).length, 1);
    });
  }

  it('escapes a pattern with quotes or $ so it stays literal', () => {
    const pattern = '/srv/"odd" $dir/*.conf';
    const out = ensureInclude('', pattern);
    assert.equal(out, '.include "/srv/\\"odd\\" \\$dir/*.conf";\n');
    assert.deepEqual(parseJailConf(out).items, [{ kind: 'include', pattern }]);
  });

  it('refuses to edit a file it cannot parse', () => {
    assert.throws(() => ensureInclude('foo {\n', PATTERN, { file: '/etc/jail.conf' }), /^JailConfParseError: \/etc\/jail.conf:2:1: /);
  });

  describe('on a real file', () => {
    let dir = '';
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'jailbuild-include-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('edits a host jail.conf with a human block once', async () => {
      const path = join(dir, 'jail.conf');
      const human = '# by hand\nold {\n\tpath = "/old";\t// legacy\n\tpersist;\n}\n';
      await writeFile(path, human);
      for (let run = 0; run < 3; run++) {
        const text = await readFile(path, 'utf8');
        const next = ensureInclude(text, PATTERN, { file: path });
        if (next !== text) await writeFile(path, next);
      }
      assert.equal(await readFile(path, 'utf8'), human + LINE);
    });
  });
});
