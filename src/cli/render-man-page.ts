/**
 * jailbuild(8) in man(7) format, written from the commander definitions that
 * `--help` prints (descriptions, arguments, options with their defaults, the
 * text commands add after their help). `npm run gen:man` writes it to
 * man/jailbuild.8; a test regenerates it and fails when the committed page
 * is stale. man(7) rather than mdoc: mdoc's `.Dd` must be a date, which would
 * change the page on every regeneration.
 */
import type { EventEmitter } from 'node:events';
import type { Argument, Command, Help, Option } from 'commander';

/** Text a command adds around its help with `addHelpText(position, …)`. */
export function addedHelpText(command: Command, position: 'before' | 'after'): string {
  let text = '';
  // commander keeps added text as listeners of its help events (a Command is an EventEmitter at run time).
  (command as unknown as EventEmitter).emit(`${position}Help`, { error: false, command, write: (chunk: string) => void (text += chunk) });
  return text.trim();
}

/** Escapes text for roff: backslashes, a leading dot or quote, dashes and a few symbols. */
export function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/→/g, '\\(->')
    .replace(/…/g, '...')
    .replace(/·/g, '\\(md')
    .replace(/^([.'])/gm, '\\&$1');
}

function optionLine(help: Help, option: Option): string[] {
  const term = help.optionTerm(option);
  // `-r, --release <release>`: flags bold, the value italic
  const marked = term.replace(/([<[][^>\]]+[>\]])|([^<[]+)/g, (_, value: string | undefined, flags: string | undefined) =>
    value !== undefined ? `\\fI${roff(value)}\\fR` : `\\fB${roff(flags ?? '')}\\fR`,
  );
  return ['.TP', marked, roff(help.optionDescription(option))];
}

function argumentLine(help: Help, argument: Argument): string[] {
  return ['.TP', `\\fI${roff(help.argumentTerm(argument))}\\fR`, roff(help.argumentDescription(argument) || argument.description)];
}

/** Free text (added help): paragraphs kept, indented lines (examples) kept verbatim. */
function block(text: string): string[] {
  const out: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const lines = paragraph.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) continue;
    if (lines.some((line) => /^\s/.test(line))) out.push('.PP', '.nf', ...lines.map(roff), '.fi');
    else out.push('.PP', roff(lines.join(' ')));
  }
  return out;
}

function commandSection(command: Command, help: Help): string[] {
  // commandUsage names the ancestors too: `jailbuild network setup [options]`
  const usage = help.commandUsage(command);
  const out = [`.SS "${roff(usage).replace(/"/g, '\\(dq')}"`];
  out.push(...block(help.commandDescription(command)));
  const before = addedHelpText(command, 'before');
  if (before !== '') out.push(...block(before));
  const args = help.visibleArguments(command);
  if (args.length > 0) out.push('.PP', 'Arguments:', ...args.flatMap((a) => argumentLine(help, a)));
  const options = help.visibleOptions(command).filter((o) => o.long !== '--help');
  if (options.length > 0) out.push('.PP', 'Options:', ...options.flatMap((o) => optionLine(help, o)));
  const after = addedHelpText(command, 'after');
  if (after !== '') out.push(...block(after));
  for (const sub of help.visibleCommands(command).filter((c) => c.name() !== 'help')) out.push(...commandSection(sub, help));
  return out;
}

export interface ManPageInfo {
  version: string;
}

export function renderManPage(program: Command, info: ManPageInfo): string {
  const help = program.createHelp();
  const commands = help.visibleCommands(program).filter((c) => c.name() !== 'help');
  const globals = help.visibleOptions(program).filter((o) => o.long !== '--help' && o.long !== '--version');
  const lines = [
    '.\\" Generated from the commander definitions in src/cli/ by `npm run gen:man`; do not edit.',
    `.TH JAILBUILD 8 "" "jailbuild ${info.version}" "System Manager's Manual"`,
    '.SH NAME',
    `jailbuild \\- ${roff(program.description().replace(/\.$/, ''))}`,
    '.SH SYNOPSIS',
    '.B jailbuild',
    '[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]',
    '.br',
    '.B jailbuild',
    '\\fIcommand\\fR \\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR',
    '.SH DESCRIPTION',
    roff(
      'jailbuild fetches a FreeBSD release\'s base.txz, splits it in one streaming pass into a read-only basejail and a small writable template linked to it by symlinks, clones a ZFS dataset (or copies a directory) per jail, and writes jail.conf.d/<name>.conf with a read-only nullfs mount of the basejail. It also upgrades basejails and moves jails between releases, builds versioned templates from recipes, sets up host networking, and applies a whole fleet described in jailbuild.config.ts.',
    ),
    '.PP',
    roff('Every command takes --dry-run (prints the exact commands and files it would write) and --json (result on stdout, progress as plain lines on stderr).'),
    '.SH GLOBAL OPTIONS',
    roff('Given before or after the command.'),
    ...globals.flatMap((o) => optionLine(help, o)),
    '.SH COMMANDS',
    ...commands.flatMap((c) => commandSection(c, help)),
    '.SH CONFIGURATION',
    roff(
      'jailbuild.config.ts (also .js, .json, .yaml) in the current directory, or the file given with --config. Every key is optional; flags override it. An unknown key or a wrong type is a config error naming the key and the file. Every key, with its type, default and an example, is listed in docs/CONFIG.md of the package.',
    ),
    '.SH EXIT STATUS',
    '.TP',
    '0',
    'success',
    '.TP',
    '1',
    'an operation failed',
    '.TP',
    '2',
    roff('usage or config error; nothing was touched'),
    '.SH FILES',
    '.TP',
    '\\fI/etc/jail.conf.d/<name>.conf\\fR',
    roff('one file per jail (under --root when relocated)'),
    '.TP',
    '\\fI/usr/local/jailbuild\\fR',
    roff('default data root: basejail/, templates/, jails/ (dir backend) and the release cache repos/'),
    '.SH EXAMPLES',
    '.nf',
    ...[
      'jailbuild fetch 14.2',
      'jailbuild bootstrap 14.2',
      "jailbuild create web1 --release 14.2 --ip 'em0|10.0.0.5/24' --boot",
      'jailbuild start web1',
      'jailbuild --dry-run upgrade --release 14.3 --all',
      'jailbuild plan && jailbuild apply',
    ].map(roff),
    '.fi',
    '.SH SEE ALSO',
    '.BR jail (8),',
    '.BR jail.conf (5),',
    '.BR jexec (8),',
    '.BR zfs (8),',
    '.BR freebsd-update (8),',
    '.BR etcupdate (8)',
  ];
  return `${lines.join('\n')}\n`;
}
