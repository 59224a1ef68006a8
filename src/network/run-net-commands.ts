import type { Host } from '../host/host.js';
import type { NetCommand } from './net-command.js';
import { parseNgctlIfname } from './parse-ngctl-ifname.js';

/** Runs start or stop commands in order through the host door; the first failure throws. */
export async function runNetCommands(host: Host, commands: readonly NetCommand[]): Promise<void> {
  for (const command of commands) {
    if (command.kind === 'run') {
      const [file, ...args] = command.argv;
      if (file === undefined) throw new Error('defense in depth: net command with empty argv');
      await host.run(file, args, command.input === undefined ? {} : { input: command.input });
    } else {
      const reply = await host.run('ngctl', ['msg', command.hook, 'getifname']);
      await host.run('ifconfig', [parseNgctlIfname(reply.stdout), 'name', command.name]);
    }
  }
}
