/**
 * What every subcommand receives: resolved settings, the host door, progress
 * and warning sinks. Built once per run by `runCommand`.
 */
import type { Command } from 'commander';
import type { SettingsFlags } from '../config/settings.js';
import type { Settings } from '../model/settings.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { Host } from '../host/host.js';
import type { LocalHost } from '../host/local-host.js';
import type { OnProgress } from '../progress.js';
import type { Warn, Warning } from '../warn.js';
import { UsageError } from '../errors.js';

export interface GlobalOptions extends SettingsFlags {
  config?: string;
  verbose?: boolean;
  /** `--host`: an ssh URL or the name of a config `hosts` entry; the command then runs against that host. */
  host?: string;
}

export interface CliContext {
  settings: Settings;
  loaded: LoadedConfig;
  /** The host the command acts on: this machine, or the `--host` one over ssh. */
  host: Host;
  /** This machine, whatever `host` is: config and recipe files, downloads, the split's work (docs/ARCHITECTURE.md § The remote pipeline). */
  local: LocalHost;
  onProgress: OnProgress;
  warn: Warn;
  /** Warnings so far, also reported in --json output. */
  warnings: Warning[];
  cwd: string;
}

/** What a command hands back: `data` for --json, `text` lines for people (stdout). */
export interface CommandResult {
  data: unknown;
  text?: string;
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  /** Width of the terminal stderr is on; undefined when unknown (then progress is plain lines). */
  columns?: number | undefined;
  cwd: string;
}

export type CommandBody<A extends unknown[]> = (ctx: CliContext, ...args: A) => Promise<CommandResult>;

/** Reads the global flags commander parsed, checking the values it cannot. */
export function readGlobalOptions(command: Command): GlobalOptions {
  const o = command.optsWithGlobals<Record<string, unknown>>();
  const arch = o.arch as string | undefined;
  if (arch !== undefined && arch !== 'amd64' && arch !== 'arm64') {
    throw new UsageError('E_USAGE_ARCH', `unknown --arch '${arch}'; use amd64 or arm64`);
  }
  const backend = o.backend as string | undefined;
  if (backend !== undefined && backend !== 'dir' && backend !== 'zfs') {
    throw new UsageError('E_USAGE_BACKEND', `unknown --backend '${backend}'; use dir or zfs`);
  }
  return {
    root: o.root as string | undefined,
    cache: o.cache as string | undefined,
    arch: arch as GlobalOptions['arch'],
    mirrors: o.mirror as string[] | undefined,
    strict: o.strict as boolean | undefined,
    backend: backend as GlobalOptions['backend'],
    dataset: o.dataset as string | undefined,
    dryRun: o.dryRun as boolean | undefined,
    json: o.json as boolean | undefined,
    config: o.config as string | undefined,
    verbose: o.verbose as boolean | undefined,
    host: o.host as string | undefined,
  };
}
