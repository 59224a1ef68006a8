import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quoteRcValue, readRcConf, setRcConfValues } from '../../src/jail/rc-conf.js';
import { UsageError } from '../../src/errors.js';

test('setRcConfValues replaces in place, appends new keys, keeps other lines byte for byte', () => {
  const before = '# my jail\nhostname="old"\n  # keep me\nsshd_enable="NO" # trailing\nclear_tmp_enable="YES"\n';
  const after = setRcConfValues(before, { hostname: 'web1', sshd_enable: 'YES', syslogd_flags: '-ss' });
  assert.equal(after, '# my jail\nhostname="web1"\n  # keep me\nsshd_enable="YES"\nclear_tmp_enable="YES"\nsyslogd_flags="-ss"\n');
});

test('setRcConfValues removes a key with null and drops duplicate assignments', () => {
  assert.equal(setRcConfValues('a="1"\nb="2"\na="3"\n', { a: 'x', b: null }), 'a="x"\n');
});

test('values that sh would expand stay inert', () => {
  const hostile = 'x"; rm -rf / #`id`$HOME\\';
  const text = setRcConfValues('', { motd: hostile });
  assert.equal(text, 'motd="x\\"; rm -rf / #\\`id\\`\\$HOME\\\\"\n');
  assert.equal(readRcConf(text).motd, hostile);
});

test('newlines and bad names are refused', () => {
  // user input (--rc, a hostname): usage errors (exit 2), not internal ones
  assert.throws(() => quoteRcValue('a\nb'), (e: unknown) => e instanceof UsageError && /contains a newline/.test(e.message));
  assert.throws(() => setRcConfValues('', { 'bad-name': 'x' }), (e: unknown) => e instanceof UsageError && /not an rc.conf variable name/.test(e.message));
});

test('readRcConf reads the last assignment and single-quoted values', () => {
  assert.deepEqual(readRcConf("a='x y'\nb=plain\nb=\"z\"\n"), { a: 'x y', b: 'z' });
});
