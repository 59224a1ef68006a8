// Shared by the FreeBSD command fakes in this folder (see README.md).
import { appendFileSync, readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { basename } from 'node:path';

const DEFAULT_STATE = JSON.parse(readFileSync(new URL('./default-state.json', import.meta.url), 'utf8'));
const ALWAYS_RECORDED = ['UNAME_r', 'PAGER'];

/** Appends one JSON line {argv, env, stdin?} to $JAILBUILD_FAKE_LOG; returns stdin text when asked. */
export function record({ readStdin = false } = {}) {
  const argv = [basename(process.argv[1]), ...process.argv.slice(2)];
  const keys = [...ALWAYS_RECORDED, ...(process.env.JAILBUILD_FAKE_ENV ?? '').split(',').filter(Boolean)];
  const env = {};
  for (const key of keys) if (process.env[key] !== undefined) env[key] = process.env[key];
  let stdin;
  if (readStdin) {
    try {
      stdin = readFileSync(0, 'utf8');
    } catch {
      stdin = '';
    }
  }
  const entry = stdin === undefined ? { argv, env } : { argv, env, stdin };
  if (process.env.JAILBUILD_FAKE_LOG) appendFileSync(process.env.JAILBUILD_FAKE_LOG, `${JSON.stringify(entry)}\n`);
  return { argv: argv.slice(1), stdin };
}

/** Emulated host state shared by all fakes: $JAILBUILD_FAKE_STATE (JSON). */
export function loadState() {
  const path = process.env.JAILBUILD_FAKE_STATE;
  const state = path && existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
  return { ...DEFAULT_STATE, ...state };
}

export function saveState(state) {
  const path = process.env.JAILBUILD_FAKE_STATE;
  if (!path) return;
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}
