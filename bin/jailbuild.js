#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, run by `npm ci` through `prepare`).
import module from 'node:module';

// `jailbuild list | head` closes our stdout early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const argv = process.argv.slice(2);
const only = argv.length === 1 ? argv[0] : undefined;
if (only === '--version' || only === '-V') {
  // Nothing but the version: no CLI modules at all.
  const { version } = await import('../dist/cli/version.js');
  process.stdout.write(`${version()}\n`);
} else if (only === '--help' || only === '-h') {
  // The top-level help without commander (src/cli/top-help.ts; main.ts prints the same text).
  const { topHelp } = await import('../dist/cli/top-help.js');
  process.stdout.write(topHelp());
} else {
  // Node 22.1+ keeps compiled code between runs (in the OS temp dir); Node 20 has no such API.
  // Not under --dry-run, which writes nothing anywhere.
  if (!argv.includes('--dry-run') && !argv.includes('-n')) module.enableCompileCache?.();
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(argv);
}
