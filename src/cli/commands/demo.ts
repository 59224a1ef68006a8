/**
 * `jailbuild demo`: the whole path on any machine, no FreeBSD and no network —
 * generate a small FreeBSD-shaped release into a local mirror, bootstrap it
 * with the dir backend, create a jail, and show the jail.conf it wrote.
 */
import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

export function register(command: Command, io: CliIo): void {
  command
    .option('--name <name>', 'name of the demo jail', 'bsd-demo01')
    .option('--release <release>', 'release name the synthetic release carries', '14.2-RELEASE')
    .addHelpText('after', '\nEverything goes under --root (default: a new directory in the system temp dir), which is kept for you to look at.')
    .action(
      commandAction(io, 'jailbuild demo', async (ctx, options: { name: string; release: string }) => {
        const { tmpdir } = await import('node:os');
        const { join } = await import('node:path');
        const { pathToFileURL } = await import('node:url');
        const { generateRelease } = await import('../../synthetic/index.js');
        const { resolveSettings } = await import('../../config/settings.js');
        const { parseReleaseName } = await import('../../release/parse-release-name.js');
        const { DirBackend } = await import('../../storage/dir-backend.js');
        const { bootstrapRelease } = await import('../../image/bootstrap-release.js');
        const { prepareCreateJail } = await import('../../jail/prepare-create-jail.js');
        const { jailConfPath } = await import('../../jail/plan-create-jail.js');
        const { applyPlan } = await import('../../plan/apply-plan.js');
        const { renderPlan } = await import('../../plan/render-plan.js');
        const { version } = await import('../version.js');

        const release = parseReleaseName(options.release).name;
        if (ctx.settings.dryRun) {
          // --dry-run writes nothing anywhere: not even the demo's temp dir.
          const where = ctx.settings.root !== '/usr/local/jailbuild' ? ctx.settings.root : join(tmpdir(), 'jailbuild-demo-XXXXXX');
          const steps = [
            `generate a synthetic ${release} into ${join(where, 'mirror')}`,
            `bootstrap it with the dir backend under ${where} (basejail, template@base)`,
            `create jail ${options.name} (${join(where, 'etc/jail.conf.d', `${options.name}.conf`)})`,
          ];
          return { data: { dryRun: true, root: where, release, jail: options.name, steps }, text: ['# demo --dry-run: nothing written; it would', ...steps.map((s) => `#   ${s}`)].join('\n') };
        }
        // The demo always runs on this machine (its door is ctx.local), --host or not.
        const local = ctx.local;
        const root = ctx.settings.root !== '/usr/local/jailbuild' ? ctx.settings.root : await local.makeTempDir('jailbuild-demo-');
        const log: string[] = [];
        const say = (line: string) => {
          log.push(line);
          ctx.onProgress({ kind: 'info', message: line });
        };

        const mirrorDir = join(root, 'mirror');
        const generated = await generateRelease({ outDir: mirrorDir, release, arch: ctx.settings.arch, size: 'small' });
        say(`generated a synthetic ${release}: ${generated.entryCount} entries, ${generated.compressedBytes} bytes of base.txz in ${generated.releaseDir}`);

        // The demo's own settings: everything under root, the dir backend, the local mirror only.
        const settings = resolveSettings(
          { storage: { backend: 'dir' } },
          { root, mirrors: [pathToFileURL(mirrorDir).href], json: ctx.settings.json, dryRun: false, arch: ctx.settings.arch },
          root,
          root,
        );
        const storage = new DirBackend(local, { root });
        // The synthetic MANIFEST is trusted because we just made it: pin it like a known release.
        const trustedManifests = { [`${release}/${settings.arch}`]: generated.manifestSha256 };
        const boot = await bootstrapRelease({ settings, host: local, local, storage, release, warn: ctx.warn, onProgress: ctx.onProgress, trustedManifests, version: version() });
        say(`bootstrapped: basejail ${boot.basejail.path} (read-only), template ${boot.template.path}@${boot.template.snapshot} (${boot.userland ?? '?'})`);

        // The same preparation `jailbuild create` runs (the bootstrap above is already done, so it is reused).
        const { plan } = await prepareCreateJail(
          { name: options.name, release, ip4: ['lo1|127.0.1.1/32'], rcConf: { sshd_enable: 'YES' } },
          { settings, host: local, storage, warn: ctx.warn, onProgress: ctx.onProgress, version: version() },
        );
        await applyPlan(local, plan, { onProgress: ctx.onProgress, storage });
        const confFile = jailConfPath(settings, options.name);
        const jailConf = (await local.readFile(confFile)) ?? '';
        say(`created jail ${options.name} at ${storage.pathOf(`jails/${options.name}`)}`);

        const script = renderPlan(plan, { storage: settings.storage, root });
        const text = [
          ...log.map((l) => `• ${l}`),
          '',
          'The create plan that ran (what --dry-run prints):',
          script.trimEnd(),
          '',
          `${confFile}:`,
          jailConf.trimEnd(),
          '',
          `Look around: ls ${root}   (node bin/jailbuild.js --root ${root} --backend dir list)`,
        ].join('\n');
        return { data: { root, release, generated, bootstrap: boot, jail: options.name, jailConf: { path: confFile, content: jailConf }, plan }, text };
      }),
    );
}
