/**
 * `jailbuild template build|list|diff`: customised templates from recipes in
 * `templates/<name>/` (template.ts or template.json plus an overlay/ tree).
 */
import type { Command } from 'commander';
import type { CliContext, CliIo } from '../context.js';
import { commandAction } from '../run-command.js';
import { UsageError } from '../../errors.js';
import type { TemplateSource } from '../../template/load-template.js';

interface RecipeOptions {
  release?: string;
  templates?: string;
}

async function loadRecipe(ctx: CliContext, name: string, options: RecipeOptions): Promise<{ source: TemplateSource; release: string }> {
  const { loadTemplate } = await import('../../template/load-template.js');
  const { templateSearchDirs } = await import('../../template/template-search-dirs.js');
  const { parseReleaseName } = await import('../../release/parse-release-name.js');
  const { dirname } = await import('node:path');
  const configDir = ctx.loaded.filepath === undefined ? undefined : dirname(ctx.loaded.filepath);
  const source = await loadTemplate(name, templateSearchDirs({ cwd: ctx.cwd, ...(configDir ? { configDir } : {}), ...(options.templates ? { explicit: options.templates } : {}) }), ctx.local);
  const pinned = source.recipe.release === undefined ? undefined : parseReleaseName(source.recipe.release).name;
  const given = options.release === undefined ? undefined : parseReleaseName(options.release).name;
  if (pinned !== undefined && given !== undefined && pinned !== given) {
    throw new UsageError('E_TEMPLATE_RELEASE', `template ${name} is pinned to ${pinned} in ${source.file}, but --release ${given} was given; drop --release or change the pin`, {
      data: { template: name, pinned, given },
    });
  }
  const input = given ?? pinned ?? ctx.settings.defaultRelease;
  if (input === undefined) {
    throw new UsageError('E_USAGE_RELEASE', `no release for template ${name}; pass --release 14.2, pin "release" in ${source.file} or set defaults.release in jailbuild.config.ts`);
  }
  return { source, release: parseReleaseName(input).name };
}

const short = (sha: string | undefined) => (sha === undefined ? '-' : sha.slice(0, 12));

export function register(command: Command, io: CliIo): void {
  command.addHelpText(
    'after',
    '\nRecipes live in templates/<name>/ (next to the config file, in the current directory, or shipped with jailbuild):\ntemplate.json or template.ts (defineTemplate) plus an overlay/ tree. See templates/default/README.md.',
  );

  command
    .command('build')
    .description('build the next version (@v<N>) of templates/<name>-<release> from its recipe')
    .argument('<name>', 'template name, e.g. web (recipe in templates/web/)')
    .option('-r, --release <release>', 'release, e.g. 14.2 (default: the recipe\'s pin, then defaults.release)')
    .option('-f, --force', 'build a new version even when the recipe and parent are unchanged')
    .option('--templates <dir>', 'directory holding <name>/template.{ts,json} (default: search as described in help)')
    .addHelpText(
      'after',
      '\nClones the parent template\'s latest snapshot to staging, applies overlay, packages (pkg -r), rc.conf values,\nusers (pw -R), services and commands (chroot), then snapshots @v<N>. Jails keep the version they were cloned from.',
    )
    .action(
      commandAction(io, 'build template', async (ctx, name: string, options: RecipeOptions & { force?: boolean }) => {
        const { source, release } = await loadRecipe(ctx, name, options);
        const { openStorage } = await import('../jail-context.js');
        const storage = await openStorage(ctx);
        if (ctx.settings.dryRun) {
          const { resolveTemplateBuild, planTemplateBuild } = await import('../../template/plan-template-build.js');
          const { renderPlan } = await import('../../plan/render-plan.js');
          const context = { settings: ctx.settings, storage, host: ctx.host, overlayHost: ctx.local, release };
          const target = await resolveTemplateBuild(source, context);
          if (target.upToDate && !options.force) {
            const text = `# template ${name} for ${release} is up to date (${target.built.snapshot ?? '-'}, recipe sha256 ${short(target.recipeSha256)}); nothing to do (--force builds anyway)`;
            return { data: { dryRun: true, upToDate: true, template: name, release, snapshot: target.built.snapshot, recipeSha256: target.recipeSha256 }, text };
          }
          const plan = await planTemplateBuild(source, target, context);
          return {
            data: { dryRun: true, upToDate: target.upToDate, template: name, release, snapshot: target.snapshot, recipeSha256: target.recipeSha256, parent: target.parent, plan },
            text: renderPlan(plan, { storage: ctx.settings.storage, root: ctx.settings.root }),
          };
        }
        const { buildTemplate } = await import('../../template/build-template.js');
        const result = await buildTemplate({ settings: ctx.settings, host: ctx.host, local: ctx.local, storage, source, release, force: Boolean(options.force), onProgress: ctx.onProgress });
        const text = result.built
          ? `built template ${name} ${result.snapshot} for ${release} at ${result.path} (from ${result.parent}, recipe sha256 ${short(result.recipeSha256)})`
          : `template ${name} for ${release} is up to date (${result.snapshot}, recipe sha256 ${short(result.recipeSha256)}); use --force to build a new version`;
        return { data: { dryRun: false, ...result }, text };
      }),
    );

  command
    .command('list')
    .alias('ls')
    .description('templates, their releases and versions, and the jails cloned from each version')
    .action(
      commandAction(io, 'list templates', async (ctx) => {
        const { openStorage } = await import('../jail-context.js');
        const { listTemplates } = await import('../../template/list-templates.js');
        const { formatTable } = await import('../format-table.js');
        const templates = await listTemplates(await openStorage(ctx));
        const rows = templates.map((t) => [
          t.template,
          t.release,
          t.versions.map((v) => v.snapshot).join(',') || '-',
          t.latest ?? '-',
          t.versions.flatMap((v) => (v.jails.length === 0 ? [] : [`${v.snapshot}: ${v.jails.join(',')}`])).join('; ') || '-',
        ]);
        return {
          data: templates,
          text: templates.length === 0 ? 'no templates; run jailbuild bootstrap <release> first' : formatTable(['TEMPLATE', 'RELEASE', 'VERSIONS', 'LATEST', 'JAILS'], rows),
        };
      }),
    );

  command
    .command('diff')
    .description('what building the recipe now would change against the latest built version')
    .argument('<name>', 'template name')
    .option('-r, --release <release>', 'release, e.g. 14.2 (default: the recipe\'s pin, then defaults.release)')
    .option('--templates <dir>', 'directory holding <name>/template.{ts,json}')
    .action(
      commandAction(io, 'diff template', async (ctx, name: string, options: RecipeOptions) => {
        const { source, release } = await loadRecipe(ctx, name, options);
        const { openStorage } = await import('../jail-context.js');
        const { diffTemplate } = await import('../../template/diff-template.js');
        const diff = await diffTemplate(source, { storage: await openStorage(ctx), host: ctx.host, release });
        const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));
        const lines = [
          `template ${name} (${release}): built ${diff.builtSnapshot ?? '(never)'}, recipe sha256 ${short(diff.builtRecipeSha256)} -> ${short(diff.recipeSha256)}: ${diff.changed ? 'a build makes a new version' : 'up to date'}`,
          `parent: ${diff.parent.built ?? '(none)'}${diff.parent.built === diff.parent.now ? ' (unchanged)' : ` -> ${diff.parent.now ?? '(missing)'}`}`,
        ];
        for (const change of diff.fields) {
          if (change.kind === 'list') {
            const parts = [...change.added.map((x) => `+${x}`), ...change.removed.map((x) => `-${x}`), ...(change.reordered ? ['(order changed)'] : [])];
            lines.push(`~ ${change.field}: ${parts.join(' ')}`);
          } else {
            const mark = change.before === undefined ? '+' : change.after === undefined ? '-' : '~';
            lines.push(`${mark} ${change.field}: ${show(change.before)} -> ${show(change.after)}`);
          }
        }
        for (const change of diff.overlay) {
          const mark = change.change === 'added' ? '+' : change.change === 'removed' ? '-' : '~';
          lines.push(`${mark} overlay/${change.path}`);
        }
        return { data: diff, text: lines.join('\n') };
      }),
    );
}
