import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { JAIL_NAME_MAX_LENGTH, validateJailName, type JailNameProblem } from '../../src/jail/validate-jail-name.js';

describe('validateJailName', () => {
  const accepted = ['web1', 'bsd-test02', 'a', 'A_B-c', '1web', '_x', '0a', 'x'.repeat(JAIL_NAME_MAX_LENGTH), 'web-'];
  for (const name of accepted) {
    it(`accepts ${name.length > 20 ? `${name.length} characters` : name}`, () => assert.doesNotThrow(() => validateJailName(name)));
  }

  // Each row: a name and why jail(8), jail.conf, rc.conf, ZFS or paths cannot take it.
  const refused: Array<{ name: string; reason: JailNameProblem; says: RegExp }> = [
    { name: '', reason: 'empty', says: /is empty; give a name such as web1/ },
    { name: 'a.b', reason: 'dot', says: /contains '\.', which jail\(8\) reads as parent\.child; use - or _ instead, e\.g\. "a-b"/ },
    { name: 'my jail', reason: 'whitespace', says: /contains whitespace/ },
    { name: 'tab\there', reason: 'whitespace', says: /contains whitespace/ },
    { name: 'nb\u00a0sp', reason: 'whitespace', says: /contains whitespace/ },
    { name: 'new\nline', reason: 'control', says: /"new\\nline" contains the control character U\+000A/ },
    { name: 'cr\r', reason: 'control', says: /U\+000D/ },
    { name: 'esc\x1b', reason: 'control', says: /U\+001B/ },
    { name: 'nul\0', reason: 'control', says: /U\+0000/ },
    { name: 'q"uote', reason: 'character', says: /contains '"'/ },
    { name: "q'uote", reason: 'character', says: /contains '''/ },
    { name: 'br{ace', reason: 'character', says: /contains '\{'/ },
    { name: 'br}ace', reason: 'character', says: /contains '\}'/ },
    { name: 'semi;colon', reason: 'character', says: /contains ';'/ },
    { name: 'dol$lar', reason: 'character', says: /contains '\$'/ },
    { name: 'sl/ash', reason: 'character', says: /contains '\/'/ },
    { name: 'back\\slash', reason: 'character', says: /contains '\\'/ },
    { name: 'hash#', reason: 'character', says: /contains '#'/ },
    { name: 'star*', reason: 'character', says: /contains '\*'/ },
    { name: 'comma,', reason: 'character', says: /contains ','/ },
    { name: 'eq=', reason: 'character', says: /contains '='/ },
    { name: 'colon:', reason: 'character', says: /contains ':'/ },
    { name: 'żółw', reason: 'character', says: /contains 'ż'/ },
    { name: '123', reason: 'all-digits', says: /is all digits, which jail\(8\) takes as a jail ID; add a letter, e\.g\. "jail123"/ },
    { name: '0', reason: 'all-digits', says: /all digits/ },
    { name: '-web', reason: 'leading-dash', says: /starts with '-'/ },
    { name: 'x'.repeat(JAIL_NAME_MAX_LENGTH + 1), reason: 'too-long', says: /is 64 characters long; use at most 63/ },
  ];
  for (const { name, reason, says } of refused) {
    it(`refuses ${JSON.stringify(name.length > 20 ? `${name.slice(0, 10)}…` : name)} (${reason})`, () => {
      assert.throws(
        () => validateJailName(name),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.equal(error.code, 'E_JAIL_NAME');
          assert.equal(error.exitCode, 2);
          assert.deepEqual(error.data, { name, reason });
          assert.match(error.message, says);
          assert.ok(!/[\n\r]/.test(error.message), 'one line even for names with newlines');
          return true;
        },
      );
    });
  }

  it('keeps the message short for a huge hostile name', () => {
    assert.throws(() => validateJailName(`${'a'.repeat(5000)}"`), (error: Error) => error.message.length < 300);
  });
});
