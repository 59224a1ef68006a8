/**
 * `jailbuild network setup [--apply]` and `jailbuild network graph [--svg f]`:
 * the host half of the configured networks, and the topology picture.
 */
import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

interface SetupOptions {
  apply?: boolean;
}

interface GraphOptions {
  svg?: string;
}

export function register(command: Command, io: CliIo): void {
  command.description('host networking for jails: rc.conf, bridges, netgraph, pf anchors; topology graph');

  command
    .command('setup')
    .description('print the host setup for the configured networks (cloned_interfaces, ifconfig_*, gateway_enable, pf); --apply makes it so')
    .option('--apply', 'apply through sysrc/ifconfig/ngctl/pfctl (only what is missing; undone on failure)')
    .action(
      commandAction(io, 'network setup', async (ctx, options: SetupOptions) => {
        const { UsageError } = await import('../../errors.js');
        const net = await import('../../network/index.js');
        const networks = ctx.loaded.config.networks ?? {};
        if (Object.keys(networks).length === 0) {
          throw new UsageError('E_NET_NO_NETWORKS', `no networks in ${ctx.loaded.filepath ?? 'the config'}; add e.g. networks: { lan: { mode: 'vnet-bridge', interface: 'bridge0', uplink: 'em0' } }`);
        }
        const setup = net.mergeHostSetups(Object.values(networks).map((n) => net.networkHostSetup(n)));
        const pfConf = setup.pf ? net.renderPfConf(setup.pf) : undefined;
        if (!options.apply) {
          return { data: { networks: Object.keys(networks), setup, pfConf }, text: net.renderHostSetup(setup) };
        }
        for (const network of Object.values(networks)) await net.checkVimage(ctx.host, network.mode);
        const { dirname, join } = await import('node:path');
        const etc = dirname(ctx.settings.jailConfMain);
        const { plan, notes } = await net.planHostSetup(ctx.host, setup, { rcConf: ctx.settings.hostRcConf, pfConf: join(etc, 'pf.conf'), pfFragment: join(etc, 'pf.jailbuild.conf') });
        for (const note of notes) ctx.warn(note.code, note.message);
        const { executePlan } = await import('../execute-plan.js');
        const count = plan.steps.length;
        const result = await executePlan(ctx, plan, undefined, (locked) => ({
          data: { plan: locked, applied: true },
          text: count === 0 ? 'host network setup: nothing to change' : `host network setup: applied ${count} change${count === 1 ? '' : 's'}`,
        }));
        if (ctx.settings.dryRun) return { data: { ...(result.data as Record<string, unknown>), applied: false }, text: result.text ?? '' };
        return result;
      }),
    );

  command
    .command('graph')
    .description('the network topology (host interfaces, bridges, jails, addresses) as Graphviz DOT; --svg renders it with dot')
    .option('--svg <file>', 'write SVG (needs Graphviz dot on the host)')
    .action(
      commandAction(io, 'network graph', async (ctx, options: GraphOptions) => {
        const net = await import('../../network/index.js');
        const { readJailNetworks } = await import('../../network/read-jail-networks.js');
        const jails = await readJailNetworks(ctx.host, ctx.settings.jailConfDir);
        const dot = net.renderNetworkGraph({ networks: ctx.loaded.config.networks ?? {}, jails });
        if (options.svg === undefined) return { data: { dot }, text: dot };
        const { resolve } = await import('node:path');
        const path = resolve(ctx.cwd, options.svg);
        // --dry-run writes nothing anywhere, the picture included.
        if (ctx.settings.dryRun) return { data: { dot, svg: path, dryRun: true }, text: `would write ${path} (dot -Tsvg of the graph below)\n${dot}` };
        await ctx.host.writeFileAtomic(path, await net.renderSvg(ctx.host, dot));
        return { data: { dot, svg: path }, text: `wrote ${path}` };
      }),
    );
}
