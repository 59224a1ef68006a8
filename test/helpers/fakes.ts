/**
 * FreeBSD command fakes (test/fakes, see its README) for one test: a temp dir
 * with the call log and the emulated host state, an env that puts the fakes
 * first on PATH for child processes, and a real `LocalHost` that runs with it.
 */
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunOptions, RunResult } from '../../src/host/host.js';
import { LocalHost } from '../../src/host/local-host.js';

export const FAKES_DIR = fileURLToPath(new URL('../fakes', import.meta.url));

export interface FakeCall {
  argv: string[];
  env: Record<string, string>;
  stdin?: string;
}

export interface Fakes {
  dir: string;
  logPath: string;
  statePath: string;
  /** Environment for a child process: PATH with the fakes first, log and state paths. */
  env: Record<string, string>;
  /** A real LocalHost whose commands run with `env`. */
  host: LocalHost;
  readLog(): Promise<FakeCall[]>;
  clearLog(): Promise<void>;
  readState<T = Record<string, unknown>>(): Promise<T>;
  writeState(state: unknown): Promise<void>;
  cleanup(): Promise<void>;
}

class FakeHost extends LocalHost {
  constructor(private readonly fakeEnv: Record<string, string>) {
    super();
  }
  override run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return super.run(command, args, { ...options, env: { ...this.fakeEnv, ...options.env } });
  }
  override async which(command: string): Promise<string | undefined> {
    const candidate = join(FAKES_DIR, command);
    if (await fs.access(candidate).then(() => true, () => false)) return candidate;
    return super.which(command);
  }
}

export interface CreateFakesOptions {
  /** Initial emulated host state (interfaces, sysrc, sysctl, …); the fakes' defaults fill the rest. */
  state?: Record<string, unknown>;
  /** More variables for the child env. */
  env?: Record<string, string>;
}

export async function createFakes(options: CreateFakesOptions = {}): Promise<Fakes> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'jailbuild-fakes-'));
  const logPath = join(dir, 'calls.jsonl');
  const statePath = join(dir, 'state.json');
  await fs.writeFile(logPath, '');
  // The whole state from the start, so a test can compare "before" with "after" field for field.
  const defaults = JSON.parse(await fs.readFile(join(FAKES_DIR, 'default-state.json'), 'utf8')) as Record<string, unknown>;
  await fs.writeFile(statePath, JSON.stringify({ ...defaults, ...options.state }));
  const env = {
    PATH: `${FAKES_DIR}${delimiter}${process.env.PATH ?? ''}`,
    JAILBUILD_FAKE_LOG: logPath,
    JAILBUILD_FAKE_STATE: statePath,
    ...options.env,
  };
  return {
    dir,
    logPath,
    statePath,
    env,
    host: new FakeHost(env),
    async readLog() {
      const text = await fs.readFile(logPath, 'utf8');
      return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as FakeCall);
    },
    async clearLog() {
      await fs.writeFile(logPath, '');
    },
    async readState<T>() {
      return JSON.parse(await fs.readFile(statePath, 'utf8').catch(() => '{}')) as T;
    },
    async writeState(state: unknown) {
      await fs.writeFile(statePath, JSON.stringify(state));
    },
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
