import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { isJailbuildError } from '../../src/errors.js';
import { checkPackageSum, expectedSha256 } from '../../src/pkgbase/check-package-sum.js';
import { parseCatalogue } from '../../src/pkgbase/parse-catalogue.js';
import { makePkgbaseFixture, type PkgbaseFixture } from './pkgbase-fixture.js';

describe('checkPackageSum against the synthetic catalogue', () => {
  let fx: PkgbaseFixture;
  before(async () => {
    fx = await makePkgbaseFixture();
  });
  after(() => fx.cleanup());

  it("every package's bytes match the catalogue's sha256", async () => {
    const catalogue = parseCatalogue(fx.repo.packagesite, 'packagesite.yaml', 'test');
    for (const pkg of catalogue.values()) {
      const bytes = await readFile(`${fx.repo.repoDir}/${pkg.repopath}`);
      assert.equal(bytes.length, pkg.pkgsize, pkg.name);
      checkPackageSum(bytes, pkg.sum, pkg.name);
    }
  });

  it('refuses a package with one byte changed, naming the package', async () => {
    const runtime = fx.repo.packages.get('FreeBSD-runtime')!;
    const bytes = await readFile(runtime.path);
    bytes[100]! ^= 0x01;
    assert.throws(
      () => checkPackageSum(bytes, runtime.sha256, 'FreeBSD-runtime'),
      (error: unknown) => isJailbuildError(error) && error.code === 'E_PKGBASE_CHECKSUM' && /^FreeBSD-runtime: package sha256 /.test(error.message),
    );
  });

  it('reads plain hex and 1$ sums, refuses other hash types by name', () => {
    const hex = createHash('sha256').update('x').digest('hex');
    assert.equal(expectedSha256(hex, 'p'), hex);
    assert.equal(expectedSha256(`1$${hex}`, 'p'), hex);
    assert.throws(() => expectedSha256('2$abcdef', 'p'), /blake2_base32/);
    assert.throws(() => expectedSha256('1$zz', 'p'), /not a sha256/);
  });
});
