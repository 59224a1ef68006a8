/**
 * Which base source `bootstrap` takes without `--from`: what the mirrors
 * have, asked of a real HTTP server on 127.0.0.1 that publishes, per
 * release, a dist MANIFEST, a FreeBSD-base repository, both or neither (the
 * probe only asks whether those files are there, so placing them is
 * enough). Shown by the plan (--dry-run --json: the bootstrap step's
 * `from`), which the apply then follows without asking again; an end-to-end
 * bootstrap of a pkgbase-only mirror without `--from` runs in
 * test/upgrade/upgrade-patch-pkgbase.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startMirrorServer, type MirrorServer } from '../helpers/mirror-server.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';

let dir: string;
let cwd: string;
let server: MirrorServer;

const place = async (path: string) => {
  await mkdir(join(dir, 'mirror', path, '..'), { recursive: true });
  await writeFile(join(dir, 'mirror', path), 'placed\n');
};
const dist = (release: string) => place(`releases/amd64/amd64/${release}-RELEASE/MANIFEST`);
const pkgbase = (minor: number, file = 'meta.conf') => place(`FreeBSD:15:amd64/base_release_${minor}/${file}`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-base-source-'));
  cwd = join(dir, 'cwd');
  await mkdir(cwd, { recursive: true });
  await dist('15.1'); // dist only
  await pkgbase(2, 'packagesite.pkg'); // pkgbase only (a repository without meta.conf, as pkg allows)
  await dist('15.3'); // both
  await pkgbase(3);
  // 15.4: neither.
  server = await startMirrorServer(join(dir, 'mirror'));
  await writeFile(join(cwd, 'jailbuild.config.json'), JSON.stringify({ storage: { backend: 'dir' }, mirrors: [server.url], archiveMirrors: [], bootstrap: { pkgMirrors: [server.url] } }));
});

after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The plan's base source for `bootstrap <release>` (dry run) and the paths the server was asked for. */
async function planned(release: string, ...flags: string[]): Promise<{ from: unknown; asked: string[] }> {
  const root = join(dir, `root-${release}`);
  const seen = server.requests.length;
  const run = await runCli(['--root', root, '--dry-run', '--json', 'bootstrap', release, ...flags], cwd);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const steps = (JSON.parse(run.stdout) as { result: { plan: { steps: { step: { kind: string; inputs?: { from?: string } } }[] } } }).result.plan.steps;
  assert.deepEqual(snapshotTree(root), {}, 'the dry run wrote nothing');
  return { from: steps.find((s) => s.step.kind === 'deferred')?.step.inputs?.from, asked: server.requests.slice(seen).map((r) => r.path) };
}

test('dist when the mirror has the dist sets, pkgbase when it has only the FreeBSD-base repository, dist when both; one probe each', async () => {
  assert.deepEqual(await planned('15.1'), { from: 'dist', asked: ['/releases/amd64/amd64/15.1-RELEASE/MANIFEST'] });
  assert.deepEqual(await planned('15.2'), {
    from: 'pkgbase',
    asked: ['/releases/amd64/amd64/15.2-RELEASE/MANIFEST', '/FreeBSD:15:amd64/base_release_2/meta.conf', '/FreeBSD:15:amd64/base_release_2/packagesite.pkg'],
  });
  assert.deepEqual(await planned('15.3'), { from: 'dist', asked: ['/releases/amd64/amd64/15.3-RELEASE/MANIFEST'] });
  // Before 15.0 there is no FreeBSD-base repository: dist without asking.
  assert.deepEqual(await planned('14.2'), { from: 'dist', asked: [] });
});

test('--from overrides the probe (no request), and its text plan says which source', async () => {
  assert.deepEqual(await planned('15.1', '--from', 'pkgbase'), { from: 'pkgbase', asked: [] });
  assert.deepEqual(await planned('15.2', '--from', 'dist'), { from: 'dist', asked: [] });
  const text = await runCli(['--root', join(dir, 'root-text'), '--dry-run', 'bootstrap', '15.2'], cwd);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^# bootstrap 15\.2-RELEASE \(amd64\) from pkgbase, template default/m);
});

test('neither: exit 1, one line naming both mirrors and the fix, nothing written', async () => {
  const root = join(dir, 'root-neither');
  const run = await runCli(['--root', root, 'bootstrap', '15.4'], cwd);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const errors = run.stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, run.stderr);
  const url = server.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(
    errors[0] as string,
    new RegExp(`^error: 15\\.4-RELEASE has neither dist sets on ${url} \\(no MANIFEST\\) nor a FreeBSD-base repository for FreeBSD:15:amd64 on ${url}: check the release name \\(jailbuild releases --remote\\), or point --mirror or bootstrap\\.pkgMirrors at a mirror that has it$`),
  );
  assert.deepEqual(snapshotTree(root), {});
  const json = await runCli(['--root', root, '--json', 'bootstrap', '15.4'], cwd);
  assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'E_BOOTSTRAP_NO_SOURCE');
});
