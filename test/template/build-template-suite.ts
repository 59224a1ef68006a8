/**
 * The `buildTemplate` suite, run by build-template.test.ts (dir) and
 * build-template-zfs.test.ts (zfs) — `buildTemplate` end to end on a bootstrapped synthetic release: real
 * storage (dir, and zfs through zfs-fuse where it runs), real overlay copies,
 * FreeBSD commands (pkg, pw, mount, umount, chroot) as recording fakes.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readRcConf } from '../../src/jail/rc-conf.js';
import { buildTemplate } from '../../src/template/build-template.js';
import { diffTemplate } from '../../src/template/diff-template.js';
import { listTemplates } from '../../src/template/list-templates.js';
import { loadTemplate } from '../../src/template/load-template.js';
import { TEMPLATE_RECORD_PATH } from '../../src/template/plan-template-build.js';
import { latestTemplateSnapshot } from '../../src/template/template-versions.js';
import { createTemplateWorld, RELEASE, writeRecipe, type TemplateWorld } from './template-fixture.js';

const WEB = `templates/web-${RELEASE}`;

const webRecipe = {
  description: 'nginx web server',
  packages: ['nginx', 'www/php83'],
  sysrc: { nginx_flags: '-q', sendmail_enable: 'NONE' },
  users: [{ name: 'deploy', uid: 1050, groups: ['wheel'], shell: '/bin/sh', home: '/home/deploy' }],
  services: ['nginx'],
  commands: ['echo built-by-recipe > root/marker', 'test -f usr/local/share/fake-pkg/nginx'],
};

const webOverlay = {
  'usr/local/etc/nginx/nginx.conf': { content: 'worker_processes 1;\n', mode: 0o640 },
  'usr/local/sbin/rotate': { content: '#!/bin/sh\necho rotate\n', mode: 0o4750 },
  'etc/motd.template': { content: 'Welcome to web\n', mode: 0o644 },
  'root/.ssh/authorized_keys': { content: 'ssh-ed25519 AAAA test\n', mode: 0o600 },
  'usr/local/www/current': { symlink: '/usr/local/www/v1' },
};

async function mode(path: string): Promise<number> {
  return (await fs.lstat(path)).mode & 0o7777;
}

export function runTemplateBuildSuite(backend: 'dir' | 'zfs'): void {
  describe(`template build on the ${backend} backend`, () => {
    let world: TemplateWorld | undefined;
    let skip: string | undefined;
    before(async () => {
      const result = await createTemplateWorld(backend);
      if ('skip' in result) {
        skip = result.skip;
        console.log(`# ${backend}: skipped: ${skip}`);
      } else world = result;
    });
    after(async () => {
      await world?.cleanup();
    });
    const test = (name: string, body: (w: TemplateWorld) => Promise<void>) =>
      it(name, async (t) => {
        if (world === undefined) return t.skip(skip ?? 'setup failed');
        await body(world);
      });
    const build = async (w: TemplateWorld, name: string, force = false) =>
      buildTemplate({ settings: w.settings, host: w.host, storage: w.storage, source: await loadTemplate(name, [w.templatesDir]), release: RELEASE, force });

    test('first build: overlay with modes, packages via pkg -r, rc.conf, users, services, commands, @v1', async (w) => {
      await writeRecipe(w.templatesDir, 'web', { recipe: webRecipe, overlay: webOverlay });
      const result = await build(w, 'web');
      assert.equal(result.built, true);
      assert.equal(result.snapshot, 'v1');
      assert.equal(result.parent, `templates/default-${RELEASE}@base`);
      const path = w.storage.pathOf(WEB);
      assert.deepEqual(await w.storage.listSnapshots(WEB), ['v1']);
      assert.deepEqual(await latestTemplateSnapshot(w.storage, 'web', RELEASE), { dataset: WEB, snapshot: 'v1', version: 1 });

      // Overlay: contents and exact modes, setuid included; the symlink as a symlink.
      assert.equal(await fs.readFile(join(path, 'usr/local/etc/nginx/nginx.conf'), 'utf8'), 'worker_processes 1;\n');
      assert.equal(await mode(join(path, 'usr/local/etc/nginx/nginx.conf')), 0o640);
      assert.equal(await mode(join(path, 'usr/local/sbin/rotate')), 0o4750);
      assert.equal(await mode(join(path, 'root/.ssh/authorized_keys')), 0o600);
      assert.equal(await fs.readlink(join(path, 'usr/local/www/current')), '/usr/local/www/v1');

      // pkg ran with -r on the staging root and the release's ABI; its files are in the template.
      const calls = await w.fakes.readLog();
      const pkg = calls.filter((c) => c.argv[0] === 'pkg');
      assert.equal(pkg.length, 1);
      assert.deepEqual(pkg[0]?.argv.slice(0, 2), ['pkg', '-r']);
      assert.match(pkg[0]?.argv[2] ?? '', /staging\/template-web-14\.2-RELEASE-\d+$/);
      assert.deepEqual(pkg[0]?.argv.slice(3), ['install', '-y', 'nginx', 'www/php83']);
      assert.deepEqual(pkg[0]?.env, { ABI: 'FreeBSD:14:amd64', IGNORE_OSVERSION: 'yes' });
      assert.equal(await fs.readFile(join(path, 'usr/local/share/fake-pkg/php83'), 'utf8'), 'www/php83 FreeBSD:14:amd64\n');

      // rc.conf: recipe values and the enabled service, the template's own lines kept.
      const parentRc = (await fs.readFile(join(w.storage.pathOf(`templates/default-${RELEASE}`), 'etc/rc.conf'), 'utf8').catch(() => '')) as string;
      const rc = readRcConf(await fs.readFile(join(path, 'etc/rc.conf'), 'utf8'));
      assert.deepEqual({ ...readRcConf(parentRc), nginx_flags: '-q', sendmail_enable: 'NONE', nginx_enable: 'YES' }, rc);

      // pw -R made the user; the command ran inside the root after the packages.
      const pw = calls.find((c) => c.argv[0] === 'pw');
      assert.deepEqual(pw?.argv.slice(3), ['useradd', '-n', 'deploy', '-u', '1050', '-G', 'wheel', '-s', '/bin/sh', '-d', '/home/deploy', '-m', '-k', '/basejail/usr/share/skel']);
      assert.match(await fs.readFile(join(path, 'etc/master.passwd'), 'utf8'), /^deploy:\*:1050:1050::0:0:User &:\/home\/deploy:\/bin\/sh$/m);
      assert.match(await fs.readFile(join(path, 'etc/group'), 'utf8'), /^wheel:\*:0:(?:\S+,)?deploy$/m);
      assert.equal(await fs.readFile(join(path, 'root/marker'), 'utf8'), 'built-by-recipe\n');

      // basejail and devfs were mounted around pkg/pw/commands and are unmounted again.
      const mounts = calls.filter((c) => c.argv[0] === 'mount').map((c) => c.argv.slice(1, 4));
      assert.deepEqual(mounts, [['-t', 'nullfs', '-o'], ['-t', 'devfs', 'devfs']]);
      assert.deepEqual((await w.fakes.readState<{ mounts?: unknown[] }>()).mounts, []);
      const order = calls.map((c) => c.argv[0]).filter((c) => ['mount', 'pkg', 'pw', 'chroot', 'umount'].includes(c as string));
      assert.deepEqual(order, ['mount', 'mount', 'pkg', 'pw', 'chroot', 'chroot', 'umount', 'umount']);

      // The hash is a property and in the template's own record; no staging dataset is left.
      const info = await w.storage.get(WEB);
      assert.equal(info?.properties['recipe-sha256'], result.recipeSha256);
      assert.equal(info?.properties['v1.recipe-sha256'], result.recipeSha256);
      assert.equal(info?.properties['template-version'], 'v1');
      const record = JSON.parse(await fs.readFile(join(path, TEMPLATE_RECORD_PATH), 'utf8')) as { recipeSha256: string; version: string };
      assert.equal(record.recipeSha256, result.recipeSha256);
      assert.equal(record.version, 'v1');
      assert.deepEqual((await w.storage.list('staging')).map((d) => d.name), []);
    });

    test('an unchanged recipe is a no-op; --force builds the next version', async (w) => {
      await w.fakes.clearLog();
      const again = await build(w, 'web');
      assert.equal(again.built, false);
      assert.equal(again.snapshot, 'v1');
      assert.deepEqual(await w.storage.listSnapshots(WEB), ['v1']);
      assert.deepEqual(await w.fakes.readLog(), [], 'no command ran');
      const diff = await diffTemplate(await loadTemplate('web', [w.templatesDir]), { storage: w.storage, host: w.host, release: RELEASE });
      assert.equal(diff.changed, false);
      assert.deepEqual([diff.fields, diff.overlay], [[], []]);

      const forced = await build(w, 'web', true);
      assert.equal(forced.built, true);
      assert.equal(forced.snapshot, 'v2');
      assert.equal(forced.recipeSha256, again.recipeSha256);
      assert.deepEqual(await w.storage.listSnapshots(WEB), ['v1', 'v2']);
    });

    test('a changed recipe builds v3; a jail cloned from v1 keeps its origin and its files', async (w) => {
      await w.storage.clone(WEB, 'v1', 'jails/web01', { release: RELEASE, template: 'web' });
      await writeRecipe(w.templatesDir, 'web', {
        recipe: { ...webRecipe, packages: ['nginx', 'redis'], sysrc: { nginx_flags: '-q -g daemon' } },
        overlay: { ...webOverlay, 'usr/local/etc/nginx/nginx.conf': { content: 'worker_processes 4;\n', mode: 0o644 } },
      });
      const diff = await diffTemplate(await loadTemplate('web', [w.templatesDir]), { storage: w.storage, host: w.host, release: RELEASE });
      assert.equal(diff.changed, true);
      assert.deepEqual(diff.fields, [
        { field: 'packages', kind: 'list', added: ['redis'], removed: ['www/php83'], reordered: false },
        { field: 'sysrc.nginx_flags', kind: 'value', before: '-q', after: '-q -g daemon' },
        { field: 'sysrc.sendmail_enable', kind: 'value', before: 'NONE', after: undefined },
      ]);
      assert.deepEqual(diff.overlay.map((c) => [c.path, c.change]), [['usr/local/etc/nginx/nginx.conf', 'modified']]);

      const result = await build(w, 'web');
      assert.equal(result.snapshot, 'v3');
      const path = w.storage.pathOf(WEB);
      assert.equal(await fs.readFile(join(path, 'usr/local/etc/nginx/nginx.conf'), 'utf8'), 'worker_processes 4;\n');
      assert.equal(await mode(join(path, 'usr/local/etc/nginx/nginx.conf')), 0o644);
      // Rebuilt from the parent, not on top of v2: php83 is gone, sendmail_enable is the parent's again.
      await assert.rejects(fs.access(join(path, 'usr/local/share/fake-pkg/php83')));
      assert.equal(readRcConf(await fs.readFile(join(path, 'etc/rc.conf'), 'utf8')).sendmail_enable, undefined);

      const jail = await w.storage.get('jails/web01');
      assert.equal(jail?.origin, `${WEB}@v1`);
      assert.equal(await fs.readFile(join(jail?.path ?? '', 'usr/local/etc/nginx/nginx.conf'), 'utf8'), 'worker_processes 1;\n');
      assert.ok(await fs.access(join(jail?.path ?? '', 'usr/local/share/fake-pkg/php83')).then(() => true));

      const [web] = (await listTemplates(w.storage)).filter((t) => t.template === 'web');
      assert.equal(web?.latest, 'v3');
      assert.deepEqual(web?.versions.map((v) => [v.snapshot, v.jails]), [['v1', ['web01']], ['v2', []], ['v3', []]]);
    });

    test('a failing step leaves the template at its last version: no snapshot, no staging, nothing mounted', async (w) => {
      const path = w.storage.pathOf(WEB);
      const before = await fs.readFile(join(path, 'usr/local/etc/nginx/nginx.conf'), 'utf8');
      for (const broken of [
        { ...webRecipe, commands: ['echo partial > root/partial', 'exit 3'] },
        { ...webRecipe, packages: ['nginx', 'no-such-package'] },
      ]) {
        await writeRecipe(w.templatesDir, 'web', { recipe: broken, overlay: { 'usr/local/etc/nginx/nginx.conf': { content: 'broken\n', mode: 0o644 } } });
        await assert.rejects(build(w, 'web'), (error: Error & { code?: string }) => {
          assert.equal(error.code, 'E_HOST_COMMAND');
          assert.doesNotMatch(error.message, /\n/);
          return true;
        });
        assert.deepEqual(await w.storage.listSnapshots(WEB), ['v1', 'v2', 'v3']);
        assert.equal(await fs.readFile(join(path, 'usr/local/etc/nginx/nginx.conf'), 'utf8'), before);
        await assert.rejects(fs.access(join(path, 'root/partial')));
        assert.deepEqual((await w.storage.list('staging')).map((d) => d.name), []);
        assert.deepEqual((await w.fakes.readState<{ mounts?: unknown[] }>()).mounts, []);
        assert.equal((await w.storage.get(WEB))?.properties['template-version'], 'v3');
      }
    });

    test('rebuilding default moves it from @base to v1; templates extending it then see a new parent', async (w) => {
      await writeRecipe(w.templatesDir, 'default', { recipe: { sysrc: { clear_tmp_enable: 'YES' } } });
      const result = await build(w, 'default');
      assert.deepEqual([result.snapshot, result.parent], ['v1', `templates/default-${RELEASE}@base`]);
      assert.deepEqual(await latestTemplateSnapshot(w.storage, 'default', RELEASE), { dataset: `templates/default-${RELEASE}`, snapshot: 'v1', version: 1 });
      await writeRecipe(w.templatesDir, 'web', { recipe: webRecipe, overlay: webOverlay });
      const diff = await diffTemplate(await loadTemplate('web', [w.templatesDir]), { storage: w.storage, host: w.host, release: RELEASE });
      assert.deepEqual(diff.parent, { built: `templates/default-${RELEASE}@base`, now: `templates/default-${RELEASE}@v1` });
      assert.equal(diff.changed, true);
      const web = await build(w, 'web');
      assert.deepEqual([web.snapshot, web.parent], ['v4', `templates/default-${RELEASE}@v1`]);
      assert.equal(readRcConf(await fs.readFile(join(w.storage.pathOf(WEB), 'etc/rc.conf'), 'utf8')).clear_tmp_enable, 'YES');
    });
  });
}
