import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { isJailbuildError } from '../../src/errors.js';
import { checkPackageSum } from '../../src/pkgbase/check-package-sum.js';
import { computePkgSum } from '../../src/pkgbase/pkg-checksum.js';
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
      (error: unknown) => isJailbuildError(error) && error.code === 'E_PKGBASE_CHECKSUM' && /^FreeBSD-runtime: package sha256_hex /.test(error.message),
    );
  });

  it('reads every sum form pkg writes: plain hex, 1$ hex, 0$ sha256 base32, 2$ blake2b base32, 5$ blake2s base32', () => {
    // Vectors of pkg's tests/lib/checksum.c (the sums of the text "foo").
    assert.equal(computePkgSum('foo', 'sha256_hex'), '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae');
    assert.equal(computePkgSum('foo', 'blake2_base32'), 'kgygnaah7wxsgn1wkuic4j78zq8dicmx53picmma99ogmkbd7k5nhuxr5xxemz6yzjab15oor3tjt7nupj8mh764y7kddbne7qw9agn');
    assert.equal(computePkgSum('foo', 'blake2s_base32'), 'eoiiccdoiuz9acwfo7fxi6abnrfdtg81mz5ccx7tbg5ny9755g7y');
    const foo = Buffer.from('foo');
    for (const sum of [
      '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
      '1$2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
      `0$${computePkgSum('foo', 'sha256_base32')}`,
      '2$kgygnaah7wxsgn1wkuic4j78zq8dicmx53picmma99ogmkbd7k5nhuxr5xxemz6yzjab15oor3tjt7nupj8mh764y7kddbne7qw9agn',
      '5$eoiiccdoiuz9acwfo7fxi6abnrfdtg81mz5ccx7tbg5ny9755g7y',
    ]) {
      checkPackageSum(foo, sum, 'p');
      assert.throws(() => checkPackageSum(Buffer.from('fop'), sum, 'p'), /differs from the catalogue/);
    }
    assert.throws(() => checkPackageSum(foo, '3$abc', 'p'), /sha256_raw/);
    assert.throws(() => checkPackageSum(foo, '1$zz', 'p'), /not a sha256/);
  });
});
