/**
 * `jailbuild template build`: under a lock per template and release, skip
 * when the latest version was built from the same recipe and parent (unless
 * forced), else clone the parent into staging, apply the recipe there and
 * promote it to the next `@v<N>`. A failure leaves the template as it was:
 * the applied steps are undone and the staging dataset destroyed.
 *
 * On a remote host the recipe's overlay (read and hashed here, where the
 * recipe lives) is first sent as one tar stream (through the beneath
 * primitive) to a private temporary directory there; the plan copies from that copy, and every copied file is
 * checked against the sha256 taken here (`copy-file` steps), so what enters
 * the template is what was read. The copy is removed afterwards.
 */
import { basename, dirname, join } from 'node:path';
import type { Settings } from '../model/settings.js';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local-host.js';
import { withLock } from '../host/with-lock.js';
import { applyPlan } from '../plan/apply-plan.js';
import { createPlan, type Plan } from '../plan/plan.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { TemplateSource } from './load-template.js';
import { planPromote, planRecipeSteps, planStagingClone, resolveTemplateBuild, type TemplateBuildTarget } from './plan-template-build.js';

export interface BuildTemplateOptions {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  source: TemplateSource;
  /** Full release name, e.g. `14.2-RELEASE`. */
  release: string;
  /** Build a new version even when the recipe and parent are unchanged. @default false */
  force?: boolean;
  /** @default ignore */
  onProgress?: OnProgress;
  /** Suffix of the staging dataset. @default process.pid */
  stagingId?: string;
  /** @default new Date() */
  now?: Date;
  /** This machine, where the recipe and its overlay are. @default a new LocalHost */
  local?: Host;
}

export interface BuildTemplateResult {
  template: string;
  release: string;
  dataset: string;
  path: string;
  /** The template's latest version after this run (`v3`). */
  snapshot: string;
  /** False when the recipe was unchanged and nothing was done. */
  built: boolean;
  parent: string;
  recipeSha256: string;
  /** The steps that ran (empty for a no-op). */
  plan: Plan;
}

export async function buildTemplate(options: BuildTemplateOptions): Promise<BuildTemplateResult> {
  const { settings, host, storage, release } = options;
  let source = options.source;
  const onProgress = options.onProgress ?? ignoreProgress;
  return withLock(host, join(settings.lockDir, `template-${source.name}-${release}.lock`), `template build of ${source.name} for ${release}`, async () => {
    const target = await resolveTemplateBuild(source, { settings, storage, host, release, ...(options.stagingId ? { stagingId: options.stagingId } : {}) });
    const result = (built: boolean, snapshot: string, plan: Plan): BuildTemplateResult => ({
      template: target.template,
      release,
      dataset: target.dataset,
      path: storage.pathOf(target.dataset),
      snapshot,
      built,
      parent: `${target.parent.dataset}@${target.parent.snapshot}`,
      recipeSha256: target.recipeSha256,
      plan,
    });
    if (target.upToDate && !options.force && target.built.snapshot !== undefined) {
      onProgress({ kind: 'step', id: 'template-build', title: `build template ${target.template}`, state: 'skip', detail: `${target.built.snapshot} has this recipe already` });
      return result(false, target.built.snapshot, createPlan(`template ${target.template} is up to date (${target.built.snapshot})`));
    }
    // A staging dataset of an earlier run with this id (a crash): never part of a template.
    await storage.destroy(target.staging);
    const summary = summaryOf(target);
    const clone = planStagingClone(target);
    await applyPlan(host, createPlan(summary, clone), { onProgress, storage });
    let remoteOverlay: string | undefined;
    try {
      if (host.name !== 'local' && source.overlay.length > 0) {
        remoteOverlay = await host.makeTempDir('jailbuild-overlay-');
        source = { ...source, overlayDir: await sendOverlay(options.local ?? new LocalHost(), source.overlayDir, host, remoteOverlay) };
      }
      const recipeSteps = await planRecipeSteps(source, target, { host, storage, settings, treePath: storage.pathOf(target.staging), ...(options.now ? { now: options.now } : {}) });
      const promote = await planPromote(target, { host, storage });
      await applyPlan(host, createPlan(summary, [...recipeSteps, ...promote]), { onProgress, storage });
      return result(true, target.snapshot, createPlan(summary, [...clone, ...recipeSteps, ...promote]));
    } catch (error) {
      await storage.destroy(target.staging).catch(() => undefined);
      throw error;
    } finally {
      if (remoteOverlay !== undefined) await host.remove(remoteOverlay).catch(() => undefined);
    }
  });
}

/**
 * The overlay tree as one tar stream into `<dir>/overlay` on `host`; returns
 * that path. The overlay is the template author's (hostile input), so it is
 * packed and unpacked through the beneath primitive: nothing followed, the
 * stream checked on its way (docs/ARCHITECTURE.md § Trust boundary).
 */
async function sendOverlay(local: Host, overlayDir: string, host: Host, dir: string): Promise<string> {
  const to = join(dir, 'overlay');
  await host.mkdir(to, { mode: 0o700 });
  const packed = local.beneath(dirname(overlayDir)).packTree(basename(overlayDir));
  const [sent, received] = await Promise.allSettled([packed.done, host.beneath(to).unpackTree('', packed.stream)]);
  if (sent.status === 'rejected') throw sent.reason;
  if (received.status === 'rejected') throw received.reason;
  return to;
}

function summaryOf(target: TemplateBuildTarget): string {
  return `build template ${target.template} ${target.snapshot} for ${target.release} from ${target.parent.dataset}@${target.parent.snapshot}`;
}
