/**
 * `jailbuild fetch <release>`: download and verify a release's dists into the
 * cache (`<cache>/<release>/<arch>/`), or with --dry-run show what would be
 * downloaded from where without touching anything. Both from one plan: the
 * cache lock, then the `fetch-release` rule (src/release/plan-fetch.ts).
 */
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

interface FetchFlags {
  dists?: string;
  force?: boolean;
  stallTimeout?: string;
}

/** `--stall-timeout 30` or `0.5`: seconds, a positive number. */
function parseStallTimeout(value: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!(seconds > 0) || seconds > 86_400) {
    throw new UsageError('E_USAGE_STALL_TIMEOUT', `--stall-timeout '${value}' is not a number of seconds; use e.g. --stall-timeout 60`);
  }
  return seconds * 1000;
}

function parseDists(value: string | undefined): string[] {
  if (value === undefined) return ['base'];
  const dists = value.split(',').map((d) => d.trim()).filter((d) => d !== '');
  const bad = dists.find((d) => !/^[A-Za-z0-9][\w.-]*$/.test(d));
  if (dists.length === 0 || bad !== undefined) {
    throw new UsageError('E_USAGE_DISTS', `--dists '${value}' is not a comma-separated list of dist names; use e.g. --dists base,lib32,src`);
  }
  return [...new Set(dists)];
}

export function register(command: Command, io: CliIo): void {
  command
    .argument('<release>', 'release to fetch: 14.2, 14.2-RELEASE, 14.2-RELEASE-p3 (fetches 14.2-RELEASE), 15.0-RC1')
    .option('--dists <list>', 'comma-separated dists from the MANIFEST (default: base), e.g. base,lib32,src')
    .option('--force', 'download again even when the cache verifies')
    .option('--stall-timeout <seconds>', 'abort and resume a download that receives nothing for this long (default 60, config fetch.stallTimeout)')
    .addHelpText(
      'after',
      [
        '',
        'Reads the release MANIFEST (checked against jailbuild\'s pinned table; unknown releases warn,',
        '--strict refuses them), streams each dist through sha256 into <cache>/<release>/<arch>/ via a',
        '.part file renamed only when the sum matches. Resumes interrupted downloads from the bytes on',
        'disk (Range + If-Range), aborts and resumes a download silent for --stall-timeout seconds,',
        'retries network errors, tries the next --mirror and then the old-releases archive on 404. A cached release is',
        're-verified instead of downloaded. Honours HTTP_PROXY/HTTPS_PROXY/NO_PROXY (empty = none).',
        '',
        'Examples:',
        '  jailbuild fetch 14.2',
        '  jailbuild fetch 14.2 --dists base,lib32 --mirror https://download.freebsd.org',
        '  jailbuild --dry-run fetch 13.0',
      ].join('\n'),
    )
    .action(
      commandAction(io, 'fetch release', async (ctx, releaseInput: string, flags: FetchFlags) => {
        const { parseReleaseName } = await import('../../release/parse-release-name.js');
        const parsed = parseReleaseName(releaseInput);
        const dists = parseDists(flags.dists);
        const stallTimeoutMs = flags.stallTimeout === undefined ? ctx.settings.fetchStallTimeoutMs : parseStallTimeout(flags.stallTimeout);
        const { settings } = ctx;
        const common = {
          release: parsed,
          arch: settings.arch,
          dists,
          mirrors: settings.mirrors,
          archiveMirrors: settings.archiveMirrors,
          cache: settings.cache,
          force: flags.force ?? false,
          // The cache is on the host the command runs against (--host); downloads run here.
          host: ctx.host,
        };
        const patchNote =
          parsed.patch === undefined ? '' : `\nnote: mirrors carry ${parsed.name}; patch level p${parsed.patch} comes from freebsd-update (jailbuild upgrade)`;

        // One plan value for --dry-run (rendered, or as JSON) and for the run (docs/ARCHITECTURE.md § Plans).
        const { planFetch, fetchPlanValue } = await import('../../release/plan-fetch.js');
        const detail = await planFetch(common);
        const plan = fetchPlanValue(detail, { cache: settings.cache, hostName: ctx.host.name, dists, force: common.force, stallTimeoutMs });
        const { executePlan } = await import('../execute-plan.js');
        const { resolveFetchRelease } = await import('../../release/fetch-release-step.js');
        let fetched: import('../../release/ensure-release.js').CachedRelease | undefined;
        const executed = await executePlan(ctx, plan, undefined, () => ({ data: {}, text: '' }), {
          resolvers: {
            'fetch-release': async (step) => {
              fetched = await resolveFetchRelease(step, { settings, host: ctx.host, local: ctx.local, warn: ctx.warn, onProgress: ctx.onProgress });
              return undefined;
            },
          },
        }).finally(async () => {
          // The lock's directory stays when nothing else landed in it (a failed first fetch): as before, no empty entry.
          if (!settings.dryRun) await ctx.host.removeEmptyDir(dirname(detail.dir)).catch(() => undefined);
        });
        if (settings.dryRun) {
          return { data: { ...(executed.data as Record<string, unknown>), ...detail }, text: `${(executed.text ?? '').trimEnd()}${patchNote}` };
        }
        const result = fetched;
        if (result === undefined) throw new Error('defense in depth: the fetch plan applied without its fetch-release step');
        const files = [];
        for (const [dist, path] of Object.entries(result.files)) {
          const bytes = (await ctx.host.stat(path, { follow: true }))?.size ?? 0;
          files.push({ dist, path, sha256: result.sha256[dist] as string, bytes });
        }
        const { formatBytes } = await import('../progress-reporter.js');
        const head = result.fetched
          ? `fetched ${result.release} ${result.arch} into ${result.dir}`
          : `${result.release} ${result.arch} is cached and verified: ${result.dir}`;
        const trust = result.trust === 'pinned' ? 'MANIFEST matches the pinned sum' : 'MANIFEST is not pinned (trusted on the mirror\'s word)';
        const text = [head, `  ${trust}`, ...files.map((f) => `  ${f.dist.padEnd(8)} ${f.sha256}  ${formatBytes(f.bytes)}`)].join('\n') + patchNote;
        return {
          data: {
            release: result.release,
            ...(parsed.patch === undefined ? {} : { patch: parsed.patch }),
            arch: result.arch,
            dir: result.dir,
            fetched: result.fetched,
            trust: result.trust,
            manifestSha256: result.manifestSha256,
            files,
            sources: result.sources,
          },
          text,
        };
      }),
    );
}
