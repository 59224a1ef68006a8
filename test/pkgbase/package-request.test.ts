import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CataloguePackage } from '../../src/pkgbase/parse-catalogue.js';
import { packageRequest } from '../../src/pkgbase/package-request.js';

const pkg = (name: string): [string, CataloguePackage] => [name, { name, origin: `base/${name}`, version: '15.0', sum: '0'.repeat(64), repopath: `All/${name}-15.0.pkg`, pkgsize: 1, flatsize: 1, abi: undefined, deps: {} }];
const catalogue = new Map([pkg('FreeBSD-set-minimal-jail'), pkg('FreeBSD-set-base-jail'), pkg('FreeBSD-runtime'), pkg('FreeBSD-csh'), pkg('my-tools')]);

test('--set words: a set when the catalogue has FreeBSD-set-<word>, else FreeBSD-<word>, else as written, without repeats', () => {
  assert.deepEqual(packageRequest(['minimal-jail'], catalogue), ['FreeBSD-set-minimal-jail']);
  assert.deepEqual(packageRequest(['base-jail', 'csh', 'FreeBSD-runtime', 'my-tools'], catalogue), ['FreeBSD-set-base-jail', 'FreeBSD-csh', 'FreeBSD-runtime', 'my-tools']);
  assert.deepEqual(packageRequest(['minimal-jail', 'FreeBSD-set-minimal-jail'], catalogue), ['FreeBSD-set-minimal-jail']);
  // Unknown names pass through for resolvePackageSet to refuse with the naming rule.
  assert.deepEqual(packageRequest(['minimal'], catalogue), ['minimal']);
});
