/**
 * Shared by the export/import/migrate tests: throwaway SSH keys made with
 * ssh-keygen (a trusted signer and a stranger), an allowed-signers file that
 * trusts only the signer, a synthetic release on a file:// mirror, and a
 * jail root with content worth round-tripping (owners, setuid, a private
 * directory, a symlink, an empty file).
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateRelease } from '../../src/synthetic/index.js';
import type { Plan, PlanStep } from '../../src/plan/plan.js';
import type { TreeSnapshot } from '../helpers/snapshot-tree.js';

export interface SigningKeys {
  signer: string;
  stranger: string;
  allowedSigners: string;
}

function keygen(file: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

export async function makeSigningKeys(dir: string): Promise<SigningKeys> {
  await fs.mkdir(dir, { recursive: true });
  const signer = join(dir, 'signer');
  const stranger = join(dir, 'stranger');
  keygen(signer);
  keygen(stranger);
  const [type, key] = (await fs.readFile(`${signer}.pub`, 'utf8')).trim().split(/\s+/);
  const allowedSigners = join(dir, 'allowed_signers');
  await fs.writeFile(allowedSigners, `admin@example.org namespaces="jailbuild" ${type} ${key}\n`);
  return { signer, stranger, allowedSigners };
}

export async function makeMirror(dir: string): Promise<{ mirror: string; manifestSha256: string }> {
  const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
  return { mirror: pathToFileURL(join(dir, 'mirror')).href, manifestSha256: generated.manifestSha256 };
}

/** Content a round trip must keep: numeric owners, setuid, a 0700 directory, a symlink, an empty file. */
export async function addJailContent(jailRoot: string): Promise<void> {
  await fs.mkdir(join(jailRoot, 'usr/local/www/data'), { recursive: true });
  await fs.writeFile(join(jailRoot, 'usr/local/www/data/index.html'), '<h1>web1</h1>\n');
  await fs.chown(join(jailRoot, 'usr/local/www/data/index.html'), 80, 80);
  await fs.writeFile(join(jailRoot, 'usr/local/bin-tool'), Buffer.from([0, 1, 2, 255]));
  await fs.chmod(join(jailRoot, 'usr/local/bin-tool'), 0o4755);
  await fs.mkdir(join(jailRoot, 'root/.secret'), { mode: 0o700 });
  await fs.chown(join(jailRoot, 'root/.secret'), 1001, 1002);
  await fs.writeFile(join(jailRoot, 'root/.secret/empty'), '');
  await fs.symlink('../data/index.html', join(jailRoot, 'usr/local/www/link'));
}

/**
 * A tree snapshot without link counts: the dir backend stores a hard-linked
 * file once per name (the beneath primitive has no link()), so `nlink`
 * differs while paths, modes, owners and hashes must not.
 */
export function withoutLinkCounts(snapshot: TreeSnapshot): TreeSnapshot {
  return Object.fromEntries(Object.entries(snapshot).map(([k, v]) => [k, v.replace(/ nlink=\S+/, '')]));
}

/** Flips one byte of `file` at `offset` from the end (into the payload) or at an absolute offset. */
export async function flipByte(file: string, at: { fromEnd?: number; offset?: number }): Promise<void> {
  const bytes = await fs.readFile(file);
  const i = at.offset ?? bytes.length - (at.fromEnd ?? 1);
  bytes[i] = (bytes[i] as number) ^ 0x20;
  await fs.writeFile(file, bytes);
}

/**
 * migrate's plan with a step that fails (exit 3, "injected failure" on stderr) on the target right before
 * the first step `before` picks: how the tests see the undo of every step done so far.
 */
export function failingBefore(plan: Plan, before: (step: PlanStep) => boolean): Plan {
  const at = plan.steps.findIndex(({ step }) => before(step));
  if (at < 0) throw new Error('failingBefore: no such step in the plan');
  const failing: PlanStep = { kind: 'run', title: 'injected failure', argv: ['sh', '-c', 'echo injected failure >&2; exit 3'], on: 'target' };
  return { ...plan, steps: [...plan.steps.slice(0, at), { step: failing }, ...plan.steps.slice(at)] };
}

/** The start of the jail on the target in migrate's plan. */
export const startOnTarget = (step: PlanStep): boolean => step.kind === 'run' && step.on === 'target' && step.argv[0] === 'jail' && step.argv.includes('-c');
