/**
 * bash and zsh completion scripts, written from the commander definitions
 * `--help` prints: subcommands (nested ones too), each command's options and
 * the global ones, option values (<file>/<dir> complete paths, choices
 * complete their values). `jailbuild completion bash|zsh` prints them;
 * `npm run gen:man` also writes them to completions/ for packagers.
 */
import type { Command, Help, Option } from 'commander';

interface Node {
  /** Words from the program to this command, e.g. ['network', 'setup']. */
  path: string[];
  command: Command;
  subcommands: Command[];
  options: Option[];
}

function nodes(program: Command): Node[] {
  const help = program.createHelp();
  const out: Node[] = [];
  const visit = (command: Command, path: string[]) => {
    const subcommands = help.visibleCommands(command).filter((c) => c.name() !== 'help');
    out.push({ path, command, subcommands, options: help.visibleOptions(command) });
    for (const sub of subcommands) visit(sub, [...path, sub.name()]);
  };
  visit(program, []);
  return out;
}

function flagsOf(option: Option): string[] {
  return [option.short, option.long].filter((f): f is string => f !== undefined);
}

/** What an option's value completes to: paths, directories, fixed choices, or nothing known. */
function valueKind(option: Option): { kind: 'file' | 'dir' | 'none' } | { kind: 'choices'; choices: string[] } | undefined {
  if (!option.required && !option.optional) return undefined;
  if (option.argChoices !== undefined) return { kind: 'choices', choices: option.argChoices };
  const value = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? '';
  if (value === 'file') return { kind: 'file' };
  if (value === 'dir') return { kind: 'dir' };
  return { kind: 'none' };
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_.,:/=+-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

const HEADER = 'generated from the commander definitions in src/cli/ by `npm run gen:man`; do not edit';

export function renderBashCompletion(program: Command): string {
  const all = nodes(program);
  const root = all[0] as Node;
  // --version belongs to the program alone
  const subGlobals = root.options.filter((o) => o.long !== '--version' && o.long !== '--help');
  const key = (node: Node) => node.path.join(' ');
  const caseArms = (pick: (node: Node) => string[]) =>
    all.map((node) => `    ${shellWord(key(node))}) echo ${pick(node).map(shellWord).join(' ')} ;;`);
  const valueOptions = new Map<string, string>();
  for (const node of all) {
    for (const option of node.options) {
      const kind = valueKind(option);
      if (kind === undefined) continue;
      const action =
        kind.kind === 'file' ? 'compgen -f -- "$cur"' : kind.kind === 'dir' ? 'compgen -d -- "$cur"' : kind.kind === 'choices' ? `compgen -W ${shellWord(kind.choices.join(' '))} -- "$cur"` : 'true';
      for (const flag of flagsOf(option)) valueOptions.set(flag, action);
    }
  }
  const lines = [
    `# bash completion for jailbuild(8), ${HEADER}.`,
    '# Use: eval "$(jailbuild completion bash)", or copy to /usr/share/bash-completion/completions/jailbuild',
    '',
    '_jailbuild_subcommands() {',
    '  case "$1" in',
    // a leaf's first argument with fixed choices (completion <shell>) completes like a subcommand
    ...caseArms((node) => (node.subcommands.length > 0 ? node.subcommands.map((c) => c.name()) : (node.command.registeredArguments[0]?.argChoices ?? []))),
    '  esac',
    '}',
    '',
    '_jailbuild_options() {',
    '  case "$1" in',
    // global options are accepted after the command too
    ...caseArms((node) => [...new Set([...node.options, ...(node === root ? [] : subGlobals)].flatMap(flagsOf))]),
    '  esac',
    '}',
    '',
    '# Options that take a value (the next word): how to complete it.',
    '_jailbuild_option_value() {',
    '  case "$1" in',
    ...[...valueOptions].map(([flag, action]) => `    ${shellWord(flag)}) COMPREPLY=($(${action})) ;;`),
    '    *) return 1 ;;',
    '  esac',
    '}',
    '',
    '_jailbuild() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" path="" word i',
    '  # Walk the words before the cursor: options (and the values they take) are skipped, subcommands descend.',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    word="${COMP_WORDS[i]}"',
    '    if [[ $word == -* ]]; then',
    '      [[ $word != *=* ]] && _jailbuild_option_value "$word" >/dev/null 2>&1 && ((i++))',
    '    elif [[ " $(_jailbuild_subcommands "$path") " == *" $word "* ]]; then',
    '      path="${path:+$path }$word"',
    '    fi',
    '  done',
    '  COMPREPLY=()',
    '  if [[ $prev == -* && $prev != *=* ]] && ((COMP_CWORD - 1 >= 1)) && _jailbuild_option_value "$prev"; then',
    '    return 0',
    '  fi',
    '  if [[ $cur == -* ]]; then',
    '    COMPREPLY=($(compgen -W "$(_jailbuild_options "$path")" -- "$cur"))',
    '  else',
    '    COMPREPLY=($(compgen -W "$(_jailbuild_subcommands "$path")" -- "$cur"))',
    '  fi',
    '}',
    'complete -F _jailbuild jailbuild',
  ];
  return `${lines.join('\n')}\n`;
}

/** Text inside a zsh `_arguments` spec's [description] or a `_describe` entry. */
function zshText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/'/g, "'\\''").replace(/([[\]:])/g, '\\$1').replace(/\s+/g, ' ');
}

function zshOptionSpecs(options: readonly Option[], help: Help): string[] {
  return options.map((option) => {
    const flags = flagsOf(option);
    const kind = valueKind(option);
    const description = zshText(help.optionDescription(option));
    const exclusive = flags.length > 1 ? `(${flags.join(' ')})` : '';
    // -r value | -rvalue, --release value | --release=value
    const named = flags.map((f) => (kind === undefined ? f : f.startsWith('--') ? `${f}=` : `${f}+`));
    const repeat = option.variadic || /repeatable/.test(option.description) ? '*' : '';
    const head = named.length > 1 ? `${repeat}'${exclusive}'{${named.join(',')}}'` : `'${repeat}${named[0]}`;
    if (kind === undefined) return `${head}[${description}]'`;
    const value = zshText(/[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? 'value');
    const action = kind.kind === 'file' ? '_files' : kind.kind === 'dir' ? '_files -/' : kind.kind === 'choices' ? `(${kind.choices.join(' ')})` : ' ';
    return `${head}[${description}]:${value}:${action}'`;
  });
}

export function renderZshCompletion(program: Command): string {
  const help = program.createHelp();
  const all = nodes(program);
  const globals = (all[0] as Node).options;
  const functionName = (node: Node) => ['_jailbuild', ...node.path].join('_').replace(/-/g, '_');
  const lines = [
    '#compdef jailbuild',
    `# zsh completion for jailbuild(8), ${HEADER}.`,
    '# Use: jailbuild completion zsh > "${fpath[1]}/_jailbuild" (then compinit), or eval "$(jailbuild completion zsh)".',
    '',
  ];
  for (const node of all) {
    const options = node.path.length === 0 ? node.options : [...node.options, ...globals.filter((o) => o.long !== '--version' && o.long !== '--help')];
    const specs = zshOptionSpecs(options, help).map((s) => `    ${s}`);
    lines.push(`${functionName(node)}() {`);
    if (node.subcommands.length > 0) {
      lines.push('  local curcontext="$curcontext" state line', '  typeset -A opt_args', '  _arguments -C \\', ...specs.map((s) => `${s} \\`), "    '1: :->command' \\", "    '*:: :->argument'");
      lines.push('  case $state in', '    command)', '      local -a commands', '      commands=(');
      for (const sub of node.subcommands) lines.push(`        '${zshText(sub.name())}:${zshText(help.subcommandDescription(sub))}'`);
      lines.push('      )', "      _describe -t commands 'jailbuild command' commands", '      ;;', '    argument)', '      case $line[1] in');
      for (const sub of node.subcommands) lines.push(`        ${sub.name()}) ${functionName({ ...node, path: [...node.path, sub.name()] })} ;;`);
      lines.push('      esac', '      ;;', '  esac');
    } else {
      const args = help.visibleArguments(node.command).map((a) => `    '${a.variadic ? '*' : ''}:${zshText(a.name())}:${a.argChoices === undefined ? ' ' : `(${a.argChoices.join(' ')})`}'`);
      lines.push('  _arguments \\', ...[...specs, ...args].map((s, i, list) => (i < list.length - 1 ? `${s} \\` : s)));
    }
    lines.push('}', '');
  }
  lines.push('if [[ $zsh_eval_context[-1] == loadautofunc ]]; then', '  _jailbuild "$@"', 'else', '  compdef _jailbuild jailbuild', 'fi');
  return `${lines.join('\n')}\n`;
}
