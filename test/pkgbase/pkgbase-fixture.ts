/** One synthetic pkgbase repository per test file, signed with a key made here. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pkgKeyFingerprint } from '../../src/pkgbase/pkg-key-fingerprint.js';
import { generatePkgbaseRepo, type GeneratedPkgbaseRepo } from '../../src/synthetic/generate-pkgbase-repo.js';
import type { PkgCompression } from '../../src/synthetic/compress-buffer.js';

export interface TestKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  fingerprint: string;
}

export function makeTestKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem, fingerprint: pkgKeyFingerprint(publicKeyPem) };
}

export interface PkgbaseFixture {
  dir: string;
  key: TestKey;
  repo: GeneratedPkgbaseRepo;
  cleanup(): Promise<void>;
}

export async function makePkgbaseFixture(options: { compression?: PkgCompression; release?: string } = {}): Promise<PkgbaseFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'jailbuild-pkgbase-'));
  const key = makeTestKey();
  const repo = await generatePkgbaseRepo({
    outDir: dir,
    release: options.release ?? '15.0-RELEASE',
    signingKey: key,
    ...(options.compression ? { compression: options.compression } : {}),
  });
  return { dir, key, repo, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
