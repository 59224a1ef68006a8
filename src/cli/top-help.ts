/**
 * jailbuild's global options as data, and the top-level help rendered from
 * them and the subcommand index without commander: `jailbuild --help` is
 * answered by bin/jailbuild.js with this module alone (start-up within a few
 * ms of `node -e 0`), and main.ts registers the same options with commander
 * and prints the same text, so both paths cannot drift apart.
 */
import { commandIndex } from './commands/index.js';

export interface GlobalOption {
  flags: string;
  description: string;
  /** Repeatable: values collect into an array. */
  repeatable?: boolean;
  /** Accepted but not listed in the help (old spellings). */
  hidden?: boolean;
}

export const PROGRAM_DESCRIPTION = 'Build and run FreeBSD thin jails: basejail + template, ZFS clones, jail.conf, upgrades, fleets.';

export const GLOBAL_OPTIONS: readonly GlobalOption[] = [
  { flags: '--json', description: 'machine-readable output on stdout (progress goes to stderr as plain lines)' },
  { flags: '-n, --dry-run', description: 'show what would be done (exact commands and files), change nothing' },
  { flags: '--host <host>', description: "run against another machine over ssh: ssh://[user@]host[:port] or the name of a config hosts entry (its sshOptions and root apply); --root is then a path there" },
  { flags: '--root <dir>', description: "relocate everything under <dir>: basejails, templates, jails and the host files (etc/jail.conf, jail.conf.d, rc.conf, pf); same as the config's root" },
  { flags: '--cache <dir>', description: 'release cache (default <root>/repos)' },
  { flags: '--mirror <url>', description: 'release mirror (repeatable, tried in order; http(s)://, file:// or a path)', repeatable: true },
  { flags: '--arch <arch>', description: 'release architecture: amd64 or arm64 (default amd64)' },
  { flags: '--backend <backend>', description: 'storage backend: dir or zfs' },
  { flags: '--dataset <name>', description: 'parent ZFS dataset for the zfs backend (e.g. zroot/jailbuild)' },
  { flags: '--strict', description: 'refuse unknown releases and turn warnings into errors' },
  { flags: '-C, --config <file>', description: 'config file (default: jailbuild.config.{ts,js,json,yaml} in the current directory)' },
  { flags: '--debug', description: 'on errors, also print the full message, the data, causes and stack traces' },
  { flags: '--verbose', description: 'same as --debug', hidden: true },
];

function section(title: string, rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([term]) => term.length));
  return `${title}:\n${rows.map(([term, text]) => `  ${term.padEnd(width)}  ${text}`).join('\n')}\n`;
}

/** The text of `jailbuild --help`. */
export function topHelp(): string {
  const options: [string, string][] = [
    ['-V, --version', 'output the version number'],
    ...GLOBAL_OPTIONS.filter((o) => !o.hidden).map((o): [string, string] => [o.flags, o.description]),
    ['-h, --help', 'display help for command'],
  ];
  const commands: [string, string][] = [...Object.entries(commandIndex).map(([name, entry]): [string, string] => [name, entry.summary]), ['help [command]', 'display help for command']];
  return `Usage: jailbuild [options] [command]\n\n${PROGRAM_DESCRIPTION}\n\n${section('Options', options)}\n${section('Commands', commands)}`;
}
