import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';
import { UsageError } from '../../errors.js';

interface ExportOptions {
  output?: string;
  signKey?: string;
  unsigned?: boolean;
  compression?: string;
  full?: boolean;
}

export function register(command: Command, io: CliIo): void {
  command
    .argument('<name>', 'jail name, or template dataset name such as default-14.2-RELEASE')
    .requiredOption('-o, --output <file>', 'the export file to write')
    .option('--sign-key <file>', 'private SSH key that signs the manifest (ssh-keygen -Y sign -n jailbuild; default: signingKey in the config)')
    .option('--unsigned', 'write an unsigned file (import then needs --allow-unsigned)')
    .option('--compression <xz|zstd>', 'payload compression (default: xz)')
    .option('--full', 'zfs: a full stream, not incremental from the template snapshot (for a pool that lacks that snapshot)')
    .addHelpText(
      'after',
      '\nWrites the writable part only (zfs send of the dataset, or a tar of the dir tree), compressed, with a\nJSON manifest (release, basejail sha256, template, payload sha256, the jail\'s config) signed with an SSH key.\nThe basejail is never included: the importing host has its own.',
    )
    .action(
      commandAction(io, 'export', async (ctx, name: string, options: ExportOptions) => {
        const compression = options.compression ?? 'xz';
        if (compression !== 'xz' && compression !== 'zstd') throw new UsageError('E_USAGE_COMPRESSION', `unknown --compression '${compression}'; use xz or zstd`);
        const signKey = options.signKey ?? ctx.settings.signingKey;
        if (signKey === undefined && !options.unsigned) {
          throw new UsageError('E_EXPORT_NO_KEY', 'no signing key: pass --sign-key ~/.ssh/id_ed25519 or set signingKey in jailbuild.config.ts (or --unsigned for a file only you will import)');
        }
        const { resolve } = await import('node:path');
        const { openStorage } = await import('../jail-context.js');
        const { exportJail } = await import('../../export/export-jail.js');
        const { version } = await import('../version.js');
        const storage = await openStorage(ctx);
        const result = await exportJail(
          { name, output: resolve(ctx.cwd, options.output as string), signKey: options.unsigned ? undefined : resolve(ctx.cwd, signKey as string), compression, full: options.full },
          { settings: ctx.settings, host: ctx.host, storage, version: version(), onProgress: ctx.onProgress, warn: ctx.warn },
        );
        for (const path of result.skipped.slice(0, 5)) ctx.warn('W_EXPORT_SKIPPED', `${path} is a FIFO, socket or device and was left out of the export`, { path });
        if (result.dryRun) {
          const { renderPlan } = await import('../../plan/render-plan.js');
          return { data: result, text: renderPlan(result.plan, { storage: ctx.settings.storage, root: ctx.settings.root }).trimEnd() };
        }
        const { payload } = result.manifest;
        const text = `exported ${result.manifest.kind} ${name} to ${result.file} (${payload.format}${payload.incrementalFrom ? ` incremental from ${payload.incrementalFrom.snapshot}` : ''}, ${payload.compression}, ${payload.size} bytes, ${result.signed ? 'signed' : 'unsigned'})`;
        return { data: { dryRun: false, file: result.file, signed: result.signed, manifest: result.manifest }, text };
      }),
    );
}
