import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { isJailbuildError } from '../../src/errors.js';
import { DEFAULT_META_CONF, parseMetaConf } from '../../src/pkgbase/parse-meta-conf.js';
import { makePkgbaseFixture, type PkgbaseFixture } from './pkgbase-fixture.js';

describe('parseMetaConf', () => {
  let fx: PkgbaseFixture;
  before(async () => {
    fx = await makePkgbaseFixture();
  });
  after(() => fx.cleanup());

  it("reads the synthetic repository's meta.conf", async () => {
    const meta = parseMetaConf(await readFile(`${fx.repo.repoDir}/meta.conf`, 'utf8'));
    assert.equal(meta.packingFormat, fx.repo.compression === 'zstd' ? 'tzst' : 'txz');
    assert.equal(meta.manifests, 'packagesite.yaml');
    assert.equal(meta.manifestsArchive, 'packagesite');
  });

  it("applies pkg's defaults, accepts `key: value`, skips nested blocks", () => {
    assert.deepEqual(parseMetaConf(''), DEFAULT_META_CONF);
    const meta = parseMetaConf('version: 1\npacking_format: "txz"\ncert {\n  name = "x";\n  data = "y";\n}\n# comment\ndata_archive = "data2";\n');
    assert.deepEqual([meta.version, meta.packingFormat, meta.dataArchive, meta.data], [1, 'txz', 'data2', 'data']);
  });

  it('refuses member names that are paths and unknown formats', () => {
    for (const text of ['manifests = "../../etc/passwd";', 'packing_format = "zip";', 'manifests = packagesite yaml']) {
      assert.throws(() => parseMetaConf(text), (error: unknown) => isJailbuildError(error) && error.code === 'E_PKGBASE_CATALOGUE', text);
    }
  });
});
