import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load-config.js';
import { resolveSettings } from '../../src/config/settings.js';

const config = validateConfig(
  { root: 'data', cache: './repos', jailConf: { dir: '/etc/jail.conf.d', main: '/etc/jail.conf' }, storage: { backend: 'zfs', dataset: 'zroot/jb' } },
  '/project/jailbuild.config.json',
);

test('config paths are relative to the config file; host paths stay on the host without --root', () => {
  const s = resolveSettings(config, {}, '/project', '/cwd');
  assert.equal(s.root, '/project/data');
  assert.equal(s.cache, '/project/repos');
  assert.equal(s.jailConfDir, '/etc/jail.conf.d');
  assert.equal(s.jailConfMain, '/etc/jail.conf');
  assert.equal(s.hostRcConf, '/etc/rc.conf');
  assert.deepEqual(s.storage, { backend: 'zfs', dataset: 'zroot/jb' });
});

test('--root relocates everything like DESTDIR, config-named host paths included; flags win', () => {
  const s = resolveSettings(config, { root: 'sandbox', backend: 'dir' }, '/project', '/cwd');
  assert.equal(s.root, '/cwd/sandbox');
  assert.equal(s.cache, '/cwd/sandbox/repos');
  assert.equal(s.jailConfDir, '/cwd/sandbox/etc/jail.conf.d');
  assert.equal(s.jailConfMain, '/cwd/sandbox/etc/jail.conf');
  assert.equal(s.hostRcConf, '/cwd/sandbox/etc/rc.conf');
  assert.equal(s.lockDir, '/cwd/sandbox/.locks');
  assert.deepEqual(s.storage, { backend: 'dir' });
});

test('defaults: /usr/local/jailbuild, the FreeBSD mirror plus the old-releases archive, amd64', () => {
  const s = resolveSettings(validateConfig({}, '(defaults)'), {}, '/cwd', '/cwd');
  assert.equal(s.root, '/usr/local/jailbuild');
  assert.equal(s.cache, '/usr/local/jailbuild/repos');
  assert.deepEqual(s.mirrors, ['https://download.freebsd.org']);
  assert.equal(s.archiveMirrors.length, 1);
  assert.equal(s.arch, 'amd64');
  // a mirror given on the command line replaces both lists: no silent fallback to the internet
  const local = resolveSettings(validateConfig({}, '(defaults)'), { mirrors: ['mirror'] }, '/cwd', '/cwd');
  assert.deepEqual(local.mirrors, ['/cwd/mirror']);
  assert.deepEqual(local.archiveMirrors, []);
});
