import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JailConfParseError, parseJailConf, renderJailBlock, writeJailConf } from '../../../src/jail/jail-conf/index.js';

/** Small deterministic PRNG (mulberry32) so a failure reproduces from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Every character class the lexer treats specially, plus ordinary ones.
const ALPHABET = ['a', 'Z', '0', '.', '-', '_', ' ', '\t', '\n', '\r', '"', "'", '\\', '$', '{', '}', ';', '=', '+', ',', '#', '/', '*', 'x', 'n', '7', 'é', '🐢', '\x01', '|', ':'];

function randomText(next: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return out;
}

describe('jail.conf fuzz (seeded)', () => {
  it('any value survives render → parse unchanged (2,000 values)', () => {
    const next = random(42);
    for (let n = 0; n < 2000; n++) {
      const value = randomText(next, Math.floor(next() * 24));
      const text = renderJailBlock('j', [{ name: 'v', value }]);
      assert.deepEqual(parseJailConf(text).items, [{ kind: 'jail', name: 'j', items: [{ kind: 'param', name: 'v', value }] }], `seed 42 #${n}: ${JSON.stringify(value)}`);
    }
  });

  it('random text either parses and round-trips, or fails with a positioned parse error (3,000 inputs)', () => {
    const next = random(7);
    let parsed = 0;
    for (let n = 0; n < 3000; n++) {
      const text = randomText(next, Math.floor(next() * 40));
      let model;
      try {
        model = parseJailConf(text);
      } catch (error) {
        assert.ok(error instanceof JailConfParseError, `seed 7 #${n}: ${JSON.stringify(text)} threw ${String(error)}`);
        assert.ok(error.position.line >= 1 && error.position.column >= 1);
        continue;
      }
      parsed++;
      const written = writeJailConf(model);
      assert.deepEqual(parseJailConf(written), model, `seed 7 #${n}: ${JSON.stringify(text)} → ${JSON.stringify(written)}`);
    }
    // The generator must exercise both paths, or this test proves nothing.
    assert.ok(parsed > 100, `only ${parsed} inputs parsed`);
  });
});
