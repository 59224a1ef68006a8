/**
 * Deterministic pseudo-random numbers (sfc32 seeded from sha256 of the seed)
 * so one seed always yields the same archive bytes. Not for anything secret.
 */
import { createHash } from 'node:crypto';

export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, limit). */
  int(limit: number): number;
  /** Integer in [min, max]. */
  between(min: number, max: number): number;
  /** In-place Fisher–Yates shuffle; returns the same array. */
  shuffle<T>(items: T[]): T[];
  /** Fills `target` with pseudo-random bytes. */
  fill(target: Buffer): Buffer;
  /** An independent stream for a sub-task, so adding work in one place does not reshuffle another. */
  fork(label: string): SeededRandom;
}

export function createSeededRandom(seed: string | number): SeededRandom {
  const digest = createHash('sha256').update(String(seed)).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) nextUint32();

  const random: SeededRandom = {
    next: () => nextUint32() / 2 ** 32,
    int: (limit) => Math.floor((nextUint32() / 2 ** 32) * limit),
    between: (min, max) => min + Math.floor((nextUint32() / 2 ** 32) * (max - min + 1)),
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        const swap = items[i]!;
        items[i] = items[j]!;
        items[j] = swap;
      }
      return items;
    },
    fill(target: Buffer): Buffer {
      let i = 0;
      for (; i + 4 <= target.length; i += 4) target.writeUInt32LE(nextUint32(), i);
      if (i < target.length) {
        const last = nextUint32();
        for (let k = 0; i < target.length; i++, k++) target[i] = (last >>> (8 * k)) & 0xff;
      }
      return target;
    },
    fork: (label) => createSeededRandom(`${String(seed)}\0${label}`),
  };
  return random;
}
