/**
 * `jailbuild releases`: the releases in the cache, or with --remote the
 * release directories the mirrors offer for --arch.
 */
import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

export function register(command: Command, io: CliIo): void {
  command
    .option('--remote', 'list what the mirrors offer for --arch (reads their directory index) instead of the cache')
    .addHelpText('after', '\nExamples:\n  jailbuild releases\n  jailbuild releases --remote --arch arm64')
    .action(
      commandAction(io, 'list releases', async (ctx, flags: { remote?: boolean }) => {
        const { settings } = ctx;
        if (flags.remote) {
          const { listRemoteReleases } = await import('../../release/list-remote-releases.js');
          const releases = await listRemoteReleases({
            arch: settings.arch,
            mirrors: settings.mirrors,
            archiveMirrors: settings.archiveMirrors,
            onProgress: ctx.onProgress,
          });
          const width = Math.max(7, ...releases.map((r) => r.release.length));
          const text =
            releases.length === 0
              ? `the mirrors list no releases for ${settings.arch}`
              : [`${'RELEASE'.padEnd(width)}  SOURCE`, ...releases.map((r) => `${r.release.padEnd(width)}  ${r.url}${r.archive ? ' (archive)' : ''}`)].join('\n');
          return { data: { remote: true, arch: settings.arch, releases }, text };
        }
        const { listCachedReleases } = await import('../../release/list-cached-releases.js');
        const { formatBytes } = await import('../progress-reporter.js');
        const releases = await listCachedReleases(settings.cache, ctx.host);
        const width = Math.max(7, ...releases.map((r) => r.release.length));
        const text =
          releases.length === 0
            ? `no releases cached in ${settings.cache}; fetch one with: jailbuild fetch 14.2`
            : [
                `${'RELEASE'.padEnd(width)}  ARCH   ${'DISTS'.padEnd(16)} ${'SIZE'.padStart(10)}  DIR`,
                ...releases.map((r) => `${r.release.padEnd(width)}  ${r.arch.padEnd(5)}  ${r.dists.join(',').padEnd(16)} ${formatBytes(r.bytes).padStart(10)}  ${r.dir}`),
              ].join('\n');
        return { data: { remote: false, cache: settings.cache, releases }, text };
      }),
    );
}
