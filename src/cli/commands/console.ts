import type { Command } from 'commander';
import { ANY_EXIT_CODE } from '../../host/any-exit-code.js';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

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
        if (ctx.settings.dryRun || jail === undefined) return { data: { dryRun: true, argv }, text: formatArgv(argv) };
        // The session's own exit status is the user's business, not a jailbuild failure.
        const { exitCode } = await ctx.host.run('jexec', argv.slice(1), { interactive: true, okExitCodes: ANY_EXIT_CODE });
        return { data: { argv, exitCode }, text: '' };
      }),
    );
}
