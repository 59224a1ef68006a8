import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/validate-config.js';
import { resolveSettings } from '../../src/config/settings.js';

const config = validateConfig(
  { dataRoot: 'data', cache: './repos', jailConf: { dir: '/etc/jail.conf.d', main: '/etc/jail.conf' }, storage: { backend: 'zfs', dataset: 'zroot/jb' } },
  '/project/jailbuild.config.json',
);

test('config dataRoot moves only the data, relative to the config file; host files stay in /etc', () => {
  const s = resolveSettings(config, {}, '/project', '/cwd');
  assert.equal(s.root, '/project/data');
  assert.equal(s.cache, '/project/repos');
  assert.equal(s.lockDir, '/project/data/.locks');
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

test('config root means what --root means: the host files move too, no write reaches the real /etc', () => {
  const fromConfig = resolveSettings(validateConfig({ root: 'sandbox' }, '/project/jailbuild.config.json'), {}, '/project', '/cwd');
  const fromFlag = resolveSettings(validateConfig({}, '/project/jailbuild.config.json'), { root: '/project/sandbox' }, '/project', '/cwd');
  assert.deepEqual(fromConfig, fromFlag);
  assert.equal(fromConfig.jailConfDir, '/project/sandbox/etc/jail.conf.d');
  assert.equal(fromConfig.jailConfMain, '/project/sandbox/etc/jail.conf');
  assert.equal(fromConfig.hostRcConf, '/project/sandbox/etc/rc.conf');
  // host paths the same file names stay as written (the author knows the root); --root would sandbox them too
  const named = resolveSettings(validateConfig({ root: 'sandbox', jailConf: { dir: 'conf.d' } }, '/project/jailbuild.config.json'), {}, '/project', '/cwd');
  assert.equal(named.jailConfDir, '/project/conf.d');
  assert.equal(named.jailConfMain, '/project/sandbox/etc/jail.conf');
});

test('root and dataRoot together are a config error (exit 2) naming both', () => {
  assert.throws(
    () => resolveSettings(validateConfig({ root: 'a', dataRoot: 'b' }, '(test)'), {}, '/p', '/p'),
    (e: unknown) => (e as { code?: string; exitCode?: number }).code === 'E_CONFIG_ROOT' && (e as { exitCode?: number }).exitCode === 2 && /root .* dataRoot/.test((e as Error).message),
  );
  // --root overrides both, as every flag overrides the config
  assert.equal(resolveSettings(validateConfig({ root: 'a', dataRoot: 'b' }, '(test)'), { root: '/x' }, '/p', '/p').hostRcConf, '/x/etc/rc.conf');
});

test('defaults: /usr/local/jailbuild, the FreeBSD mirror plus the old-releases archive, amd64', () => {
  const s = resolveSettings(validateConfig({}, '(defaults)'), {}, '/cwd', '/cwd');
  assert.equal(s.root, '/usr/local/jailbuild');
  assert.equal(s.cache, '/usr/local/jailbuild/repos');
  assert.equal(s.jailConfDir, '/etc/jail.conf.d');
  assert.deepEqual(s.mirrors, ['https://download.freebsd.org']);
  assert.equal(s.archiveMirrors.length, 1);
  assert.equal(s.arch, 'amd64');
  // a mirror given on the command line replaces both lists: no silent fallback to the internet
  const local = resolveSettings(validateConfig({}, '(defaults)'), { mirrors: ['mirror'] }, '/cwd', '/cwd');
  assert.deepEqual(local.mirrors, ['/cwd/mirror']);
  assert.deepEqual(local.archiveMirrors, []);
});
