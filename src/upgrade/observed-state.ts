/**
 * What an upgrade's plan was computed from, as one sha256 (`Plan.observed`,
 * docs/ARCHITECTURE.md § Plans): the planner names what it read as probes,
 * and apply reads them again once the host's lock is held
 * (`ApplyOptions.observe`), so a change made between planning and the lock
 * refuses the plan (E_PLAN_STALE) instead of being overwritten. Shared by the
 * patch upgrade and the release upgrade.
 *
 * Reads beneath a jail's or template's tree (the /etc merge) are recorded as
 * the planner makes them (`recordTreeReads`), each with a digest of what it
 * saw, and so are the jails it was given (`jailsProbe`): the plan's hash is
 * taken from those digests, apply's from the same reads made again. Nothing the planner did not read
 * is hashed, and nothing it read is left out.
 */
import { createHash } from 'node:crypto';
import type { Settings } from '../model/settings.js';
import type { Beneath, BeneathReadOptions, BeneathStat } from '../host/beneath.js';
import type { Host } from '../host/host.js';
import { readJails, type JailInfo } from '../jail/read-jails.js';
import type { StorageBackend } from '../storage/storage-backend.js';

const TREE_READS = ['lstat', 'readFile', 'readText', 'readdir', 'readlink'] as const;
type TreeReadOp = (typeof TREE_READS)[number];

/** One read beneath a tree root, and a digest of what it returned (or of its error). */
export interface TreeRead {
  root: string;
  op: TreeReadOp;
  rel: string;
  refuseHardLinks?: boolean;
  seen: string;
}

export type StateProbe =
  /** A host file's text (a jail.conf.d file, an fstab). */
  | { kind: 'file'; path: string }
  /** The datasets under `parent` (only those of `release`), with their properties: basejails. */
  | { kind: 'datasets'; parent: string; release?: string }
  /** Whether the dataset exists, and its snapshots. */
  | { kind: 'dataset'; name: string }
  /** The jails the planner was given (`jailsProbe`): release, template, paths, running or not; read again with `readJails`. */
  | { kind: 'jails'; names: readonly string[]; seen: readonly string[] }
  /** The reads the planner made beneath jail and template trees. */
  | { kind: 'tree-reads'; reads: readonly TreeRead[] };

export interface ObserveContext {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
}

/**
 * The sha256 of the probes. `replay` (apply) reads the tree reads again; without it (planning)
 * their recorded digests are used, so planning reads the trees once.
 */
export async function observedState(context: ObserveContext, probes: readonly StateProbe[], options: { replay: boolean }): Promise<string> {
  const hash = createHash('sha256');
  for (const probe of probes) for (const line of await probeLines(context, probe, options.replay)) hash.update(`${line}\n`);
  return hash.digest('hex');
}

async function probeLines(context: ObserveContext, probe: StateProbe, replay: boolean): Promise<string[]> {
  const { host, storage } = context;
  switch (probe.kind) {
    case 'file':
      return [`file ${probe.path} ${digestOf(await host.readFile(probe.path))}`];
    case 'datasets': {
      const datasets = (await storage.list(probe.parent).catch(() => [])).filter((d) => probe.release === undefined || d.properties.release === probe.release);
      return datasets.map((d) => `dataset ${d.name} ${JSON.stringify(sorted(d.properties))}`).sort();
    }
    case 'dataset': {
      const info = await storage.get(probe.name);
      const snapshots = info === undefined ? [] : await storage.listSnapshots(probe.name).catch(() => [] as string[]);
      return [`dataset ${probe.name} ${info === undefined ? 'absent' : JSON.stringify(sorted(info.properties))} @${[...snapshots].sort().join(',')}`];
    }
    case 'jails': {
      if (!replay) return [...probe.seen];
      const jails = new Map((await readJails(context)).map((j) => [j.name, j]));
      return probe.names.map((name) => {
        const j = jails.get(name);
        return j === undefined ? `jail ${name} absent` : jailLine(j);
      });
    }
    case 'tree-reads': {
      const lines: string[] = [];
      const done = new Set<string>();
      for (const read of probe.reads) {
        const key = readKey(read);
        if (done.has(key)) continue;
        done.add(key);
        lines.push(`${key} ${replay ? await readDigest(host.beneath(read.root), read.op, read.rel, read.refuseHardLinks) : read.seen}`);
      }
      return lines;
    }
  }
}

/** The jails a planner was given, as the plan saw them (planning reads them once, before the plan). */
export function jailsProbe(jails: readonly JailInfo[]): StateProbe {
  return { kind: 'jails', names: jails.map((j) => j.name), seen: jails.map(jailLine) };
}

function jailLine(j: JailInfo): string {
  return `jail ${j.name} ${JSON.stringify([j.state, j.release ?? null, j.template ?? null, j.path, j.conf ?? null, j.origin ?? null])}`;
}

/**
 * `tree` with every read (lstat, readFile, readText, readdir, readlink) logged in `reads` with a digest of its result;
 * writes pass through unlogged (the planner makes none).
 */
export function recordTreeReads(tree: Beneath, reads: TreeRead[]): Beneath {
  return new Proxy(tree, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof prop !== 'string' || !isTreeRead(prop)) return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      return async (rel: string, options?: BeneathReadOptions) => {
        const refuse = options?.refuseHardLinks === true ? { refuseHardLinks: true } : {};
        try {
          const result = await readTree(target, prop, rel, options?.refuseHardLinks);
          reads.push({ root: target.root, op: prop, rel, ...refuse, seen: digestOf(result) });
          return result;
        } catch (error) {
          reads.push({ root: target.root, op: prop, rel, ...refuse, seen: failure(error) });
          throw error;
        }
      };
    },
  });
}

function isTreeRead(prop: string): prop is TreeReadOp {
  return (TREE_READS as readonly string[]).includes(prop);
}

function readKey(read: TreeRead): string {
  return `tree ${read.root} ${read.op}${read.refuseHardLinks === true ? '!' : ''} ${read.rel}`;
}

type TreeReadResult = BeneathStat | Buffer | string | string[] | undefined;

function readTree(tree: Beneath, op: TreeReadOp, rel: string, refuseHardLinks: boolean | undefined): Promise<TreeReadResult> {
  const options = refuseHardLinks === true ? { refuseHardLinks } : undefined;
  switch (op) {
    case 'lstat':
      return tree.lstat(rel);
    case 'readFile':
      return tree.readFile(rel, options);
    case 'readText':
      return tree.readText(rel, options);
    case 'readdir':
      return tree.readdir(rel);
    case 'readlink':
      return tree.readlink(rel);
  }
}

async function readDigest(tree: Beneath, op: TreeReadOp, rel: string, refuseHardLinks: boolean | undefined): Promise<string> {
  try {
    return digestOf(await readTree(tree, op, rel, refuseHardLinks));
  } catch (error) {
    return failure(error);
  }
}

/** What a read saw: contents by their sha256, an entry by its kind, permissions and links (not its times or size, which a read of the same bytes does not change). */
function digestOf(result: TreeReadResult): string {
  if (result === undefined) return 'absent';
  if (typeof result === 'string' || Buffer.isBuffer(result)) return createHash('sha256').update(result).digest('hex');
  if (Array.isArray(result)) return JSON.stringify(result);
  return `${result.type} ${result.mode.toString(8)} ${result.nlink} ${result.uid}:${result.gid}`;
}

function failure(error: unknown): string {
  return `error ${error instanceof Error && 'code' in error ? String(error.code) : error instanceof Error ? error.message : String(error)}`;
}

function sorted(properties: Readonly<Record<string, string>>): Array<[string, string]> {
  return Object.entries(properties).sort(([a], [b]) => a.localeCompare(b));
}
