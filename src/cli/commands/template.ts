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
        const { resolveTemplateBuild, planTemplateBuild } = await import('../../template/plan-template-build.js');
        const { templateBuildStep } = await import('../../template/template-build-step.js');
        const { renderPlan } = await import('../../plan/render-plan.js');
        const { createPlan } = await import('../../plan/plan.js');
        const { executePlan } = await import('../execute-plan.js');
        const { buildTemplate } = await import('../../template/build-template.js');
        const context = { settings: ctx.settings, storage, host: ctx.host, overlayHost: ctx.local, release };
        const target = await resolveTemplateBuild(source, context);
        if (target.upToDate && !options.force && target.built.snapshot !== undefined) {
          const text = `template ${name} for ${release} is up to date (${target.built.snapshot ?? '-'}, recipe sha256 ${short(target.recipeSha256)})${ctx.settings.dryRun ? '; nothing to do (--force builds anyway)' : '; use --force to build a new version'}`;
          return { data: { dryRun: ctx.settings.dryRun, upToDate: true, built: false, template: name, release, snapshot: target.built.snapshot, recipeSha256: target.recipeSha256 }, text: ctx.settings.dryRun ? `# ${text}` : text };
        }
        // The recipe's steps are planned against the staging clone, which exists only when the build runs: known after apply.
        const preview = await planTemplateBuild(source, target, context);
        const explain = renderPlan(preview, { storage: ctx.settings.storage, root: ctx.settings.root }).trimEnd().split('\n');
        const plan = createPlan(`build template ${name} ${target.snapshot} for ${release}`, [{ step: templateBuildStep(name, release, { ...(options.force ? { force: true } : {}), explain }) }]);
        let result: import('../../template/build-template.js').BuildTemplateResult | undefined;
        const resolvers = {
          'template-build': async () => {
            result = await buildTemplate({ settings: ctx.settings, host: ctx.host, local: ctx.local, storage, source, release, force: Boolean(options.force), onProgress: ctx.onProgress });
            return undefined;
          },
        };
        const executed = await executePlan(
          ctx,
          plan,
          storage,
          (locked) => {
            const r = result as import('../../template/build-template.js').BuildTemplateResult;
            const text = r.built
              ? `built template ${name} ${r.snapshot} for ${release} at ${r.path} (from ${r.parent}, recipe sha256 ${short(r.recipeSha256)})`
              : `template ${name} for ${release} is up to date (${r.snapshot}, recipe sha256 ${short(r.recipeSha256)}); use --force to build a new version`;
            return { data: { ...r, steps: r.plan, plan: locked }, text };
          },
          { resolvers },
        );
        if (ctx.settings.dryRun) {
          return { data: { ...(executed.data as Record<string, unknown>), upToDate: target.upToDate, template: name, release, snapshot: target.snapshot, recipeSha256: target.recipeSha256, parent: target.parent }, text: executed.text ?? '' };
        }
        return executed;
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
