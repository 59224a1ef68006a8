import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { isJailbuildError } from '../../src/errors.js';
import { parseCatalogue, type CataloguePackage } from '../../src/pkgbase/parse-catalogue.js';
import { resolvePackageSet } from '../../src/pkgbase/resolve-package-set.js';
import { verifyCatalogue } from '../../src/pkgbase/verify-catalogue.js';
import { makePkgbaseFixture, type PkgbaseFixture } from './pkgbase-fixture.js';

describe('resolvePackageSet over the synthetic FreeBSD-base catalogue', () => {
  let fx: PkgbaseFixture;
  let catalogue: Map<string, CataloguePackage>;
  before(async () => {
    fx = await makePkgbaseFixture();
    const verified = await verifyCatalogue({ archive: await readFile(fx.repo.catalogue), member: 'packagesite.yaml', trusted: [fx.key.fingerprint], label: 'test' });
    catalogue = parseCatalogue(verified.member, 'packagesite.yaml', 'test');
  });
  after(() => fx.cleanup());

  it('parses every package line with its deps, sum and repopath', () => {
    assert.equal(catalogue.size, fx.repo.packages.size);
    const runtime = catalogue.get('FreeBSD-runtime')!;
    assert.equal(runtime.origin, 'base/FreeBSD-runtime');
    assert.equal(runtime.version, '15.0');
    assert.equal(runtime.abi, 'FreeBSD:15:amd64');
    assert.deepEqual(Object.keys(runtime.deps), ['FreeBSD-libc']);
    assert.equal(runtime.sum, fx.repo.packages.get('FreeBSD-runtime')!.sha256);
    assert.equal(runtime.repopath, 'All/FreeBSD-runtime-15.0.pkg');
  });

  it('FreeBSD-set-minimal-jail: the jail packages, dependencies first, no rescue/loader/csh/headers', () => {
    const names = resolvePackageSet(catalogue, ['FreeBSD-set-minimal-jail']).map((p) => p.name);
    for (const name of ['FreeBSD-runtime', 'FreeBSD-libc', 'FreeBSD-clibs', 'FreeBSD-utilities', 'FreeBSD-rc', 'FreeBSD-set-minimal-jail']) assert.ok(names.includes(name), name);
    for (const name of ['FreeBSD-rescue', 'FreeBSD-bootloader', 'FreeBSD-csh', 'FreeBSD-clibs-dev']) assert.ok(!names.includes(name), name);
    assert.equal(new Set(names).size, names.length, 'each package once');
    assert.equal(names.at(-1), 'FreeBSD-set-minimal-jail');
    for (const [index, name] of names.entries()) {
      for (const dep of Object.keys(catalogue.get(name)!.deps)) assert.ok(names.indexOf(dep) < index, `${dep} before ${name}`);
    }
  });

  it('FreeBSD-set-base reaches every package of the repository', () => {
    const names = new Set(resolvePackageSet(catalogue, ['FreeBSD-set-base']).map((p) => p.name));
    const others = [...catalogue.keys()].filter((n) => !names.has(n));
    assert.deepEqual(others, ['FreeBSD-set-base-jail']);
  });

  it('refuses a dependency missing from the catalogue, naming it and its dependent', () => {
    const broken = new Map(catalogue);
    broken.delete('FreeBSD-ssh');
    assert.throws(
      () => resolvePackageSet(broken, ['FreeBSD-set-minimal-jail'], 'FreeBSD-base'),
      (error: unknown) =>
        isJailbuildError(error) &&
        error.code === 'E_PKGBASE_MISSING_DEPENDENCY' &&
        /FreeBSD-set-minimal-jail depends on FreeBSD-ssh, which FreeBSD-base does not have/.test(error.message) &&
        !error.message.includes('\n'),
    );
  });

  it('refuses an unknown requested package as a usage error', () => {
    assert.throws(
      () => resolvePackageSet(catalogue, ['FreeBSD-set-nothing']),
      (error: unknown) => isJailbuildError(error) && error.code === 'E_PKGBASE_UNKNOWN_PACKAGE' && error.exitCode === 2,
    );
  });

  it('tolerates a dependency cycle', () => {
    const a: CataloguePackage = { ...catalogue.get('FreeBSD-libc')!, name: 'A', deps: { B: { origin: 'base/B', version: '1' } } };
    const b: CataloguePackage = { ...a, name: 'B', deps: { A: { origin: 'base/A', version: '1' } } };
    const names = resolvePackageSet(new Map([['A', a], ['B', b]]), ['A']).map((p) => p.name);
    assert.deepEqual(names, ['B', 'A']);
  });

  it('parses the data layout (one object with a packages array) the same', () => {
    const lines = fx.repo.packagesite.toString().trim().split('\n').map((l) => JSON.parse(l) as unknown);
    const data = parseCatalogue(Buffer.from(JSON.stringify({ groups: [], packages: lines })), 'data', 'test');
    assert.deepEqual([...data.keys()], [...catalogue.keys()]);
    assert.throws(() => parseCatalogue(Buffer.from('{"name":"x"}\n'), 'packagesite.yaml', 'test'), /"origin" is missing/);
  });
});
