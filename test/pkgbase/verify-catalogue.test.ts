import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { isJailbuildError } from '../../src/errors.js';
import { PINNED_PKG_FINGERPRINTS } from '../../src/pkgbase/pinned-fingerprints.js';
import { parseFingerprintFile } from '../../src/pkgbase/parse-fingerprint-file.js';
import { trustedPkgFingerprints } from '../../src/pkgbase/trusted-pkg-fingerprints.js';
import { verifyCatalogue } from '../../src/pkgbase/verify-catalogue.js';
import { compressBuffer, zstdAvailable } from '../../src/synthetic/compress-buffer.js';
import { buildCatalogueArchive } from '../../src/synthetic/generate-pkgbase-repo.js';
import { writeTarToBuffer } from '../../src/synthetic/tar-writer.js';
import { makePkgbaseFixture, makeTestKey, type PkgbaseFixture } from './pkgbase-fixture.js';

const label = 'FreeBSD-base packagesite.pkg';

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isJailbuildError(error), `expected a JailbuildError, got ${String(error)}`);
    assert.ok(!error.message.includes('\n'), `one-line message: ${error.message}`);
    return { code: error.code, message: error.message };
  }
  assert.fail('expected a refusal');
}

describe('verifyCatalogue (signature_type fingerprints, as pkg verifies)', () => {
  let fx: PkgbaseFixture;
  let archive: Buffer;
  before(async () => {
    if (process.env['CI'] === 'true') assert.ok(zstdAvailable(), 'zstd must be installed under CI');
    fx = await makePkgbaseFixture();
    archive = await readFile(fx.repo.catalogue);
  });
  after(() => fx.cleanup());

  it('accepts the catalogue signed by a trusted key and returns the exact member bytes', async () => {
    const verified = await verifyCatalogue({ archive, member: 'packagesite.yaml', trusted: [fx.key.fingerprint], label });
    assert.ok(verified.member.equals(fx.repo.packagesite));
    assert.equal(verified.fingerprint, fx.key.fingerprint);
    assert.equal(verified.signer, 'signature');
  });

  it('the fingerprint is the sha256 of the .pub PEM bytes', () => {
    assert.equal(fx.key.fingerprint, createHash('sha256').update(fx.key.publicKeyPem).digest('hex'));
  });

  it('refuses a catalogue signed by an unknown key, naming the fingerprint and the config fix', async () => {
    const { code, message } = await refusal(verifyCatalogue({ archive, member: 'packagesite.yaml', trusted: [makeTestKey().fingerprint], label }));
    assert.equal(code, 'E_PKGBASE_UNKNOWN_KEY');
    assert.match(message, new RegExp(fx.key.fingerprint));
    assert.match(message, /trustedPkgFingerprints/);
  });

  it('refuses the pinned FreeBSD keys for a test-signed catalogue', async () => {
    const { code } = await refusal(verifyCatalogue({ archive, member: 'packagesite.yaml', trusted: trustedPkgFingerprints('pkgbase-15'), label }));
    assert.equal(code, 'E_PKGBASE_UNKNOWN_KEY');
  });

  it('refuses a catalogue without signature', async () => {
    const unsigned = await buildCatalogueArchive(fx.repo.packagesite, 'packagesite.yaml', fx.repo.compression, undefined);
    const { code, message } = await refusal(verifyCatalogue({ archive: unsigned, member: 'packagesite.yaml', trusted: [fx.key.fingerprint], label }));
    assert.equal(code, 'E_PKGBASE_NO_SIGNATURE');
    assert.match(message, /not signed/);
  });

  it('refuses a catalogue with one byte changed after signing', async () => {
    const tampered = Buffer.from(fx.repo.packagesite);
    const at = tampered.indexOf('"version":"15.0"') + '"version":"1'.length;
    tampered[at] = '6'.charCodeAt(0); // 15.0 → 16.0 in the first package
    const signature = sign('sha256', Buffer.from(createHash('sha256').update(fx.repo.packagesite).digest('hex')), fx.key.privateKey);
    const tar = await writeTarToBuffer([
      { type: 'file', path: 'packagesite.yaml', content: tampered },
      { type: 'file', path: 'signature.sig', content: signature },
      { type: 'file', path: 'signature.pub', content: fx.key.publicKeyPem },
    ]);
    const { code, message } = await refusal(verifyCatalogue({ archive: compressBuffer(tar, fx.repo.compression), member: 'packagesite.yaml', trusted: [fx.key.fingerprint], label }));
    assert.equal(code, 'E_PKGBASE_BAD_SIGNATURE');
    assert.match(message, /does not match packagesite\.yaml/);
  });

  it('refuses a catalogue whose compressed bytes were damaged', async () => {
    const damaged = Buffer.from(archive);
    damaged[Math.floor(damaged.length / 2)]! ^= 0xff;
    const { code } = await refusal(verifyCatalogue({ archive: damaged, member: 'packagesite.yaml', trusted: [fx.key.fingerprint], label }));
    assert.ok(['E_PKGBASE_DECODE', 'E_PKGBASE_BAD_SIGNATURE', 'E_PKGBASE_CATALOGUE', 'E_PKGBASE_SIGNATURE_ENTRY'].includes(code), code);
  });

  it('refuses a catalogue signed by a revoked key even when it is also trusted', async () => {
    const { code } = await refusal(verifyCatalogue({ archive, member: 'packagesite.yaml', trusted: [fx.key.fingerprint], revoked: [fx.key.fingerprint], label }));
    assert.equal(code, 'E_PKGBASE_REVOKED_KEY');
  });

  it('refuses a .sig without its .pub', async () => {
    const tar = await writeTarToBuffer([
      { type: 'file', path: 'packagesite.yaml', content: fx.repo.packagesite },
      { type: 'file', path: 'signature.sig', content: Buffer.from('x') },
    ]);
    const { code } = await refusal(verifyCatalogue({ archive: compressBuffer(tar, fx.repo.compression), member: 'packagesite.yaml', trusted: [fx.key.fingerprint], label }));
    assert.equal(code, 'E_PKGBASE_SIGNATURE_ENTRY');
  });

  it('accepts a second, trusted signer next to an unknown one', async () => {
    const other = makeTestKey();
    const hex = Buffer.from(createHash('sha256').update(fx.repo.packagesite).digest('hex'));
    const tar = await writeTarToBuffer([
      { type: 'file', path: 'packagesite.yaml', content: fx.repo.packagesite },
      { type: 'file', path: 'a.sig', content: sign('sha256', hex, other.privateKey) },
      { type: 'file', path: 'a.pub', content: other.publicKeyPem },
      { type: 'file', path: 'b.sig', content: Buffer.concat([Buffer.from('$PKGSIGN:rsa$'), sign('sha256', hex, fx.key.privateKey)]) },
      { type: 'file', path: 'b.pub', content: fx.key.publicKeyPem },
    ]);
    const verified = await verifyCatalogue({ archive: compressBuffer(tar, fx.repo.compression), member: 'packagesite.yaml', trusted: [fx.key.fingerprint], label });
    assert.equal(verified.signer, 'b');
  });

  it('reads an xz-compressed catalogue too', async () => {
    const xz = await buildCatalogueArchive(fx.repo.packagesite, 'packagesite.yaml', 'xz', fx.key);
    const verified = await verifyCatalogue({ archive: xz, member: 'packagesite.yaml', trusted: [fx.key.fingerprint], label });
    assert.ok(verified.member.equals(fx.repo.packagesite));
  });
});

describe('pinned and configured fingerprints', () => {
  it('pins both FreeBSD pkgbase-15 keys', () => {
    assert.deepEqual(PINNED_PKG_FINGERPRINTS['pkgbase-15'], [
      '1d7b45d20fa8d6ed26f9b4a13ac81a6b5df860b9fe644d07b87e92298ba72595',
      '56a77bdcb6c3cf7984729c6138bd5617c24aa0d466b3b604c96205b2c5629f3c',
    ]);
  });

  it('adds configured fingerprints to the pinned set and creates private sets', () => {
    const extra = 'ab'.repeat(32);
    assert.deepEqual(trustedPkgFingerprints('pkgbase-15', { 'pkgbase-15': [extra] }).length, 3);
    assert.deepEqual(trustedPkgFingerprints('my-base', { 'my-base': [extra] }), [extra]);
    assert.deepEqual(trustedPkgFingerprints('nothing'), []);
  });

  it('refuses a malformed configured fingerprint as a config error', () => {
    assert.throws(
      () => trustedPkgFingerprints('pkgbase-15', { 'pkgbase-15': ['ABC'] }),
      (error: unknown) => isJailbuildError(error) && error.code === 'E_PKGBASE_FINGERPRINT' && error.exitCode === 2,
    );
  });

  it('parses pkg fingerprint files as FreeBSD ships them', () => {
    const text = 'function: "sha256"\nfingerprint: "1d7b45d20fa8d6ed26f9b4a13ac81a6b5df860b9fe644d07b87e92298ba72595"\n';
    assert.deepEqual(parseFingerprintFile(text, 'awskms-15'), { function: 'sha256', fingerprint: '1d7b45d20fa8d6ed26f9b4a13ac81a6b5df860b9fe644d07b87e92298ba72595' });
    assert.throws(() => parseFingerprintFile('function: "md5"\nfingerprint: "00"\n', 'bad'), /sha256/);
  });
});
