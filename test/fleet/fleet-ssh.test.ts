/**
 * A real remote run: a fleet with one jail on `ssh://root@127.0.0.1:<port>`
 * (a local sshd, test/fleet/local-sshd.ts) is planned and applied through
 * SshHost on the dir backend under a temp root. The remote host has no
 * release at first: the plan prepares it there (fetch, bootstrap over ssh,
 * docs/ARCHITECTURE.md § The remote pipeline) and apply does it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { apply, plan, SshHost, type JailbuildConfig } from '../../src/index.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { describeWithTools } from '../helpers/require-tool.js';
import { SSHD_TOOLS, sshdNeedsRoot, startLocalSshd, type LocalSshd } from './local-sshd.js';

describeWithTools(SSHD_TOOLS, 'a fleet on a remote host over ssh', () => {
  let dir: string;
  let sshd: LocalSshd;
  let config: JailbuildConfig;
  let remoteRoot: string;
  const hosts: SshHost[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jb-fleet-ssh-'));
    sshd = await startLocalSshd();
    const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
    remoteRoot = join(dir, 'remote');
    config = {
      root: join(dir, 'local'),
      mirrors: [pathToFileURL(join(dir, 'mirror')).href],
      trustedManifests: { '14.2-RELEASE/amd64': generated.manifestSha256 },
      defaults: { release: '14.2' },
      jailConf: { dir: join(dir, 'local/etc/jail.conf.d'), main: join(dir, 'local/etc/jail.conf') },
      hosts: {
        far: {
          url: sshd.url,
          root: remoteRoot,
          jailConf: { dir: join(remoteRoot, 'etc/jail.conf.d'), main: join(remoteRoot, 'etc/jail.conf') },
          rcConf: join(remoteRoot, 'etc/rc.conf'),
          sshOptions: sshd.sshOptions,
        },
      },
      jails: { edge1: { host: 'far', ip: ['10.7.0.1'], rc: { sshd_enable: 'YES' }, timezone: 'UTC' } },
    };
  });

  after(async () => {
    for (const h of hosts) await h.close();
    await sshd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const openSsh = (url: string, sshOptions: readonly string[]) => {
    const host = new SshHost(url, { sshOptions, controlDir: sshd.controlDir });
    hosts.push(host);
    return host;
  };

  test('plan and apply a jail over ssh, bootstrapping the release there first; re-plan shows no changes', async () => {
    const first = await plan({ config, cwd: dir, openSsh });
    assert.deepEqual(
      first.prepare.filter((p) => p.host === 'far').map((p) => (p.action === 'bootstrap' || p.action === 'build-template' ? [p.action, p.release, p.template] : [p.action])),
      // The release is bootstrapped there, then the host's jail.conf gets the .include of jail.conf.d (a prepare plan of steps).
      [['bootstrap', '14.2-RELEASE', 'default'], ['steps']],
    );
    assert.deepEqual(first.summary, { add: 1, change: 0, destroy: 0, unchanged: 0 });
    assert.deepEqual(first.hosts, { far: sshd.url, local: 'local' });
    assert.equal(first.changes[0]?.host, 'far');

    const started = Date.now();
    const { result } = await apply({ config, cwd: dir, openSsh });
    console.log(`# remote apply of 1 jail over ssh: ${Date.now() - started} ms`);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.counts, { ok: 1, failed: 0, skipped: 0, unchanged: 0 });
    const conf = await readFile(join(remoteRoot, 'etc/jail.conf.d/edge1.conf'), 'utf8');
    assert.match(conf, new RegExp(`path = "?${join(remoteRoot, 'jails/edge1')}"?;`));
    assert.match(conf, /ip4\.addr = "?10\.7\.0\.1"?;/);
    assert.match(await readFile(join(remoteRoot, 'jails/edge1/etc/rc.conf'), 'utf8'), /^sshd_enable="YES"$/m);
    assert.match(await readFile(join(remoteRoot, 'etc/jail.conf'), 'utf8'), /^\.include /m);

    const again = await plan({ config, cwd: dir, openSsh });
    assert.deepEqual(again.summary, { add: 0, change: 0, destroy: 0, unchanged: 1 });
  });
}, { skip: sshdNeedsRoot() });
