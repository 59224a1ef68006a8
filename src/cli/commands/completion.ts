/**
 * `jailbuild completion bash|zsh`: prints the completion script, written from
 * the same command definitions as `--help` (src/cli/render-completion.ts).
 * Reads no config and touches nothing, so it works anywhere.
 */
import { Argument, type Command } from 'commander';
import type { CliIo } from '../context.js';

export function register(command: Command, io: CliIo): void {
  command
    .addArgument(new Argument('<shell>', 'the shell to complete for').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  eval "$(jailbuild completion bash)"                 # in ~/.bashrc',
        '  jailbuild completion zsh > "${fpath[1]}/_jailbuild"   # then restart zsh',
      ].join('\n'),
    )
    .action(async (shell: 'bash' | 'zsh') => {
      const { loadFullProgram } = await import('../load-full-program.js');
      const { renderBashCompletion, renderZshCompletion } = await import('../render-completion.js');
      const program = await loadFullProgram();
      io.stdout(shell === 'bash' ? renderBashCompletion(program) : renderZshCompletion(program));
    });
}
