import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { NetworkConfig } from '../../network/network-config.js';
import { commandAction } from '../run-command.js';

interface ImportOptions {
  name?: string;
  allowUnsigned?: boolean;
  bootstrap?: boolean;
  keepAddresses?: boolean;
  net?: string;
  ip?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(command: Command, io: CliIo): void {
  command
    .argument('<file>', 'a file made by jailbuild export')
    .option('--name <name>', 'import under another name (default: the name in the manifest)')
    .option('--allow-unsigned', 'accept an unsigned file (or one signed without trustedSigners to check it), for files you made yourself')
    .option('--bootstrap', 'bootstrap the release first when its basejail is missing')
    .option('--keep-addresses', "keep the jail's addresses from the manifest (refused when one is taken here)")
    .option('--net <spec|name>', 'a fresh network by the usual allocation: a config network name or a spec, as create --net')
    .option('--ip <addr>', 'with --net: the address(es), auto or dhcp (repeatable)', collect)
    .addHelpText(
      'after',
      '\nChecks the signature against trustedSigners, the manifest and the payload sha256 before anything is\nwritten; a refused file writes nothing. The release must be bootstrapped here (or --bootstrap).',
    )
    .action(
      commandAction(io, 'import', async (ctx, file: string, options: ImportOptions) => {
        const { resolve } = await import('node:path');
        const { openStorage } = await import('../jail-context.js');
        const { importJail } = await import('../../export/import-jail.js');
        const { version } = await import('../version.js');
        const { deferredResolvers } = await import('../../fleet/deferred-resolvers.js');
        let network: NetworkConfig | undefined;
        if (options.net !== undefined) {
          const { parseNetSpec } = await import('../../network/parse-net-spec.js');
          const base = ctx.loaded.config.networks?.[options.net] ?? parseNetSpec(options.net);
          const only = options.ip?.length === 1 ? options.ip[0] : undefined;
          network = options.ip === undefined ? base : { ...base, ip4: only === 'auto' || only === 'dhcp' ? only : options.ip };
        }
        const storage = await openStorage(ctx);
        const result = await importJail(
          {
            file: resolve(ctx.cwd, file),
            ...(options.name === undefined ? {} : { name: options.name }),
            allowUnsigned: options.allowUnsigned ?? false,
            bootstrap: options.bootstrap ?? false,
            keepAddresses: options.keepAddresses ?? false,
            ...(network === undefined ? {} : { network }),
          },
          {
            settings: ctx.settings,
            host: ctx.host,
            storage,
            local: ctx.host,
            trustedSigners: ctx.settings.trustedSigners,
            warn: ctx.warn,
            version: version(),
            onProgress: ctx.onProgress,
            resolvers: deferredResolvers({ ...ctx, storage, version: version() }),
          },
        );
        const who = result.signedBy === undefined ? 'unsigned' : `signed by ${result.signedBy}`;
        const addresses = [...result.ip4, ...result.ip6].join(', ') || 'no addresses';
        const head = result.dryRun ? `would import` : 'imported';
        const text = `${head} ${result.kind} ${result.name} (${result.manifest.release}, from ${result.manifest.sourceHost}, ${who}) as ${storage.pathOf(result.dataset)}; ${addresses}${result.bootstrapped ? `; ${result.dryRun ? 'would bootstrap' : 'bootstrapped'} ${result.manifest.release} first` : ''}`;
        if (!result.dryRun) return { data: result, text };
        // --dry-run shows the one plan apply would run (--json: the same value, as `plan`).
        const { renderPlan } = await import('../../plan/render-plan.js');
        return { data: result, text: `${text}\n${renderPlan(result.plan, { storage: ctx.settings.storage, root: ctx.settings.root })}` };
      }),
    );
}
