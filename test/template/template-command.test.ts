/**
 * `jailbuild template build|list|diff` through `main()`: recipe errors are
 * one-line config errors naming key and file (exit 2), --dry-run prints the
 * plan and changes nothing, a real build/list/diff round trip with --json.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTemplateWorld, RELEASE, writeRecipe, type TemplateWorld } from './template-fixture.js';
import { runCli } from '../helpers/run-cli.js';

let world: TemplateWorld;
before(async () => {
  const created = await createTemplateWorld('dir');
  if ('skip' in created) throw new Error(created.skip);
  world = created;
  // The CLI builds its own LocalHost: the fakes reach it through this process's environment.
  Object.assign(process.env, world.fakes.env);
});
after(async () => {
  await world?.cleanup();
});

const run = (...argv: string[]) => runCli(['--root', world.root, ...argv], world.dir);

const base = ['--templates', 'TEMPLATES', '--release', '14.2'];
const args = (...rest: string[]) => [...rest, ...base.map((a) => (a === 'TEMPLATES' ? world.templatesDir : a))];

test('recipe errors: one line naming the key and the file, exit 2, nothing built', async () => {
  const cases: Array<{ why: string; recipe: unknown; ts?: boolean; key: RegExp }> = [
    // a typo must not silently build a template without its packages
    { why: 'unknown key', recipe: { pakages: ['nginx'] }, key: /: pakages: unknown key/ },
    { why: 'wrong type', recipe: { packages: 'nginx' }, key: /: packages: .*expected array/i },
    { why: 'nested wrong type', recipe: { users: [{ name: 'deploy', uid: 'x' }] }, key: /: users\.0\.uid: .*expected number/i },
    { why: 'unknown nested key', recipe: { users: [{ name: 'deploy', gruops: ['wheel'] }] }, key: /: users\.0\.gruops: unknown key/ },
    // an option smuggled in as a package name would change what pkg does
    { why: 'package that looks like an option', recipe: { packages: ['-f'] }, key: /: packages\.0: must be a package name/ },
    { why: 'service name that is no sh identifier', recipe: { services: ['ng inx'] }, key: /: services\.0: must be an rc\.d service name/ },
    { why: 'template.ts with an unknown key', recipe: 'export default { comands: ["true"] };\n', ts: true, key: /: comands: unknown key/ },
    { why: 'extends itself', recipe: { extends: 'web' }, key: /: extends: a template cannot extend itself/ },
  ];
  for (const { why, recipe, ts, key } of cases) {
    const file = await writeRecipe(world.templatesDir, 'web', { recipe, ...(ts ? { ts } : {}) });
    const { code, stderr, stdout } = await run(...args('template', 'build', 'web'));
    assert.equal(code, 2, why);
    assert.equal(stdout, '', why);
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${why}: one line, got ${stderr}`);
    assert.ok(lines[0]?.includes(file), `${why}: names the file: ${stderr}`);
    assert.match(lines[0] ?? '', key, why);
    const json = await run('--json', ...args('template', 'build', 'web'));
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'E_TEMPLATE_INVALID', why);
  }
  const broken = await writeRecipe(world.templatesDir, 'web', { recipe: '{ "packages": [' });
  const syntax = await run(...args('template', 'build', 'web'));
  assert.equal(syntax.code, 2);
  assert.match(syntax.stderr, new RegExp(`cannot load template recipe ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  assert.equal(await world.storage.exists(`templates/web-${RELEASE}`), false);
});

test('usage and state errors name what to do', async () => {
  await writeRecipe(world.templatesDir, 'web', { recipe: { release: '13.0' } });
  const pinned = await run(...args('template', 'build', 'web'));
  assert.equal(pinned.code, 2);
  assert.match(pinned.stderr, /pinned to 13\.0-RELEASE .* but --release 14\.2-RELEASE was given/);
  const unbootstrapped = await run('template', 'build', 'web', '--templates', world.templatesDir);
  assert.equal(unbootstrapped.code, 1);
  assert.match(unbootstrapped.stderr, /extends default, which has no version for 13\.0-RELEASE; run jailbuild bootstrap 13\.0 first/);
  const missing = await run(...args('template', 'build', 'nosuch'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no recipe for template nosuch: looked for nosuch\/template\.\{ts,json\} in /);
  // usr/share is a link into the basejail: writing through it would land on the host
  await writeRecipe(world.templatesDir, 'web', { recipe: {}, overlay: { 'usr/share/misc/extra': { content: 'x', mode: 0o644 } } });
  const through = await run('--dry-run', ...args('template', 'build', 'web'));
  assert.equal(through.code, 2);
  assert.match(through.stderr, /overlay path usr\/share\/misc in .* goes through \/usr\/share, a symlink into the shared basejail/);
});

test('--dry-run prints the build as shell and changes nothing; then build, list and diff with --json', async () => {
  await writeRecipe(world.templatesDir, 'web', {
    recipe: { packages: ['nginx'], sysrc: { nginx_flags: '-q' }, services: ['nginx'], commands: ['test -f usr/local/share/fake-pkg/nginx'] },
    overlay: { 'usr/local/etc/nginx/nginx.conf': { content: 'worker_processes 1;\n', mode: 0o640 } },
  });
  await world.fakes.clearLog();
  const dry = await run('--dry-run', ...args('template', 'build', 'web'));
  assert.equal(dry.code, 0, dry.stderr);
  for (const line of [
    `# build template web v1 for ${RELEASE} from templates/default-${RELEASE}@base`,
    `mount -t nullfs -o ro ${world.root}/basejail/${RELEASE} ${world.root}/staging/template-web-${RELEASE}-${process.pid}/basejail`,
    `env ABI=FreeBSD:14:amd64 IGNORE_OSVERSION=yes pkg -r ${world.root}/staging/template-web-${RELEASE}-${process.pid} install -y nginx`,
    `chroot ${world.root}/staging/template-web-${RELEASE}-${process.pid} /bin/sh -c 'test -f usr/local/share/fake-pkg/nginx'`,
    'nginx_enable="YES"',
  ]) {
    assert.ok(dry.stdout.includes(line), `dry-run shows ${line}\n${dry.stdout}`);
  }
  assert.match(dry.stdout, /^#   install -m 0640 \S+\/overlay\/usr\/local\/etc\/nginx\/nginx\.conf \S+\/usr\/local\/etc\/nginx\/nginx\.conf$/m);
  assert.deepEqual(await world.fakes.readLog(), [], 'dry-run runs no command');
  assert.equal(await world.storage.exists(`templates/web-${RELEASE}`), false);

  const built = await run('--json', ...args('template', 'build', 'web'));
  assert.equal(built.code, 0, built.stderr);
  const result = (JSON.parse(built.stdout) as { result: { snapshot: string; built: boolean; recipeSha256: string } }).result;
  assert.deepEqual([result.snapshot, result.built], ['v1', true]);
  assert.equal((await world.storage.get(`templates/web-${RELEASE}`))?.properties['recipe-sha256'], result.recipeSha256);

  const again = await run(...args('template', 'build', 'web'));
  assert.match(again.stdout, /^template web for 14\.2-RELEASE is up to date \(v1, recipe sha256 [0-9a-f]{12}\); use --force/);

  await world.storage.clone(`templates/web-${RELEASE}`, 'v1', 'jails/www1', { release: RELEASE, template: 'web' });
  const list = await run('--json', 'template', 'list');
  const templates = (JSON.parse(list.stdout) as { result: Array<{ template: string; versions: Array<{ snapshot: string; jails: string[] }> }> }).result;
  assert.deepEqual(
    templates.map((t) => [t.template, t.versions.map((v) => `${v.snapshot}:${v.jails.join(',')}`)]),
    [
      ['default', ['base:']],
      ['web', ['v1:www1']],
    ],
  );
  const text = await run('template', 'list');
  assert.match(text.stdout, /^web\s+14\.2-RELEASE\s+v1\s+v1\s+v1: www1$/m);

  await fs.writeFile(join(world.templatesDir, 'web/overlay/usr/local/etc/nginx/nginx.conf'), 'worker_processes 2;\n');
  const diff = await run(...args('template', 'diff', 'web'));
  assert.equal(diff.code, 0);
  assert.match(diff.stdout, /built v1, recipe sha256 [0-9a-f]{12} -> [0-9a-f]{12}: a build makes a new version/);
  assert.match(diff.stdout, /^~ overlay\/usr\/local\/etc\/nginx\/nginx\.conf$/m);
});
