import type { Command } from 'commander';
import { JailbuildError } from '../../errors.js';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

/** Every status comes back to us: a failed session (jexec cannot enter, login refuses) must fail the command. */
const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);

export function register(command: Command, io: CliIo): void {
  command
    .argument('<name>', 'jail name')
    .option('-u, --user <user>', 'log in as this user', 'root')
    .addHelpText('after', '\nRuns `jexec -l <name> login -f <user>` on this terminal.')
    .action(
      commandAction(io, 'console', async (ctx, name: string, options: { user: string }) => {
        const { openStorage, findJails } = await import('../jail-context.js');
        const { formatArgv } = await import('../../host/host-errors.js');
        const [jail] = await findJails(ctx, await openStorage(ctx), [name]);
        const argv = ['jexec', '-l', name, 'login', '-f', options.user];
        if (ctx.settings.dryRun) return { data: { dryRun: true, argv }, text: formatArgv(argv) };
        if (jail?.state === 'stopped') {
          throw new JailbuildError('E_JAIL_NOT_RUNNING', `jail ${name} is not running; start it with jailbuild start ${name}`, { data: { name } });
        }
        const { exitCode } = await ctx.host.run('jexec', argv.slice(1), { interactive: true, okExitCodes: ANY_EXIT });
        // A session that did not end well fails the command (exit 1); its status is in the message and data.
        if (exitCode !== 0) {
          throw new JailbuildError('E_CONSOLE_FAILED', `console session in ${name} ended with exit status ${exitCode} (\`${formatArgv(argv)}\`); check that the jail runs (jailbuild list) and that user ${options.user} exists in it`, {
            data: { argv, exitCode },
          });
        }
        return { data: { argv, exitCode }, text: '' };
      }),
    );
}
