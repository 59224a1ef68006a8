/**
 * How `apply` resolves the deferred steps of a plan: one function per rule
 * of `DEFERRED_RULES`, each doing what its rule says and nothing more
 * (docs/ARCHITECTURE.md § Plans). Shared by `create`, `bootstrap`,
 * `template build`, the scripting API and the fleet's apply, so a deferred
 * step means the same wherever it appears.
 */
import type { Settings } from '../model/settings.js';
import { JailbuildError } from '../errors.js';
import type { Host } from '../host/host.js';
import { bootstrapRelease, type BootstrapResult } from '../bootstrap/bootstrap-release.js';
import type { JailSpec } from '../jail/jail-spec.js';
import { planCreateJail } from '../jail/plan-create-jail.js';
import type { DeferredResolver } from '../plan/apply-plan.js';
import type { DeferredRule, DeferredStep } from '../plan/plan.js';
import type { OnProgress } from '../progress.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { receiveExportPayload } from '../export/receive-export-payload.js';
import { writeExportFile } from '../export/write-export-step.js';
import { buildTemplate, type BuildTemplateResult } from '../template/build-template.js';
import { loadTemplate } from '../template/load-template.js';
import { latestTemplateSnapshot } from '../template/template-versions.js';
import type { BuiltBasejail } from '../upgrade/basejail-builder.js';
import { resolvePatchBuild } from '../upgrade/patch-build-step.js';
import { resolvePatchSwitch } from '../upgrade/patch-switch-step.js';
import { resolveEtcupdateMerge } from '../upgrade/etcupdate-merge-step.js';
import { resolveReleaseJail } from '../upgrade/release-jail-step.js';
import type { Warn } from '../warn.js';
import { deferredText } from '../plan/deferred-input.js';

export interface ResolverContext {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  warn: Warn;
  onProgress?: OnProgress | undefined;
  /** jailbuild's version, stamped on new datasets. */
  version?: string | undefined;
  /** Where `template-build` looks up recipes when its step names no directory. @default [] */
  templateDirs?: readonly string[] | undefined;
  /** Extra trusted MANIFEST pins (demo, tests). */
  trustedManifests?: Record<string, string> | undefined;
  /** Told what the opaque rules produced, for the command's report. */
  onBootstrap?: (result: BootstrapResult) => void;
  onTemplateBuild?: (result: BuildTemplateResult) => void;
  onPatchBuild?: (result: BuiltBasejail, step: DeferredStep) => void;
}

export type Resolvers = Partial<Record<DeferredRule, DeferredResolver>>;

const strings = (value: unknown): string[] | undefined => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined);

/** The bootstrap step's base source (`from`, and for pkgbase the set and mirrors), when the plan fixed one. */
function baseSource(step: DeferredStep): { from?: 'dist' | 'pkgbase'; set?: string[]; pkgMirrors?: string[] } {
  const from = step.inputs.from;
  if (from === 'dist') return { from };
  if (from !== 'pkgbase') return {};
  const set = strings(step.inputs.set);
  const pkgMirrors = strings(step.inputs.pkgMirrors);
  return { from, ...(set ? { set } : {}), ...(pkgMirrors ? { pkgMirrors } : {}) };
}

export function deferredResolvers(ctx: ResolverContext): Resolvers {
  const common = { settings: ctx.settings, host: ctx.host, storage: ctx.storage, ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}) };
  return {
    'bootstrap-release': async (step) => {
      const result = await bootstrapRelease({
        ...common,
        warn: ctx.warn,
        release: deferredText(step, 'release'),
        template: deferredText(step, 'template'),
        ...(step.inputs.force === true ? { force: true } : {}),
        ...baseSource(step),
        ...(ctx.version ? { version: ctx.version } : {}),
        ...(ctx.trustedManifests ? { trustedManifests: ctx.trustedManifests } : {}),
      });
      ctx.onBootstrap?.(result);
      return undefined;
    },
    'template-build': async (step) => {
      const dir = step.inputs.dir;
      const source = await loadTemplate(deferredText(step, 'template'), typeof dir === 'string' ? [dir] : (ctx.templateDirs ?? []));
      const result = await buildTemplate({ ...common, source, release: deferredText(step, 'release'), ...(step.inputs.force === true ? { force: true } : {}) });
      ctx.onTemplateBuild?.(result);
      return undefined;
    },
    'create-jail-from-template': async (step) => {
      const spec = step.inputs.spec as JailSpec | undefined;
      if (spec === undefined || typeof spec.name !== 'string') throw new JailbuildError('E_PLAN_FILE', `deferred step "${step.title}" lacks the jail's spec; make the plan again`, { exitCode: 2 });
      const latest = await latestTemplateSnapshot(ctx.storage, spec.template, spec.release);
      if (latest === undefined) {
        throw new JailbuildError('E_TEMPLATE_MISSING', `template ${spec.template} for ${spec.release} has no snapshot at apply time, so jail ${spec.name} cannot be cloned; run jailbuild template build ${spec.template} --release ${spec.release} (or bootstrap) and apply again`);
      }
      const plan = await planCreateJail(spec, { ...common, snapshot: latest.snapshot, ...(ctx.version ? { version: ctx.version } : {}) });
      if (step.inputs.includeSeparately !== true) return plan.steps;
      return plan.steps.filter(({ step: s }) => !(s.kind === 'write-file' && s.path === ctx.settings.jailConfMain));
    },
    'build-patch-basejail': async (step) => {
      const built = await resolvePatchBuild(step, { settings: ctx.settings, host: ctx.host, storage: ctx.storage, warn: ctx.warn, onProgress: ctx.onProgress ?? (() => {}) });
      ctx.onPatchBuild?.(built, step);
      return undefined;
    },
    'switch-jail-patch': (step) => resolvePatchSwitch(step, { settings: ctx.settings, host: ctx.host, storage: ctx.storage }),
    'release-upgrade-jail': (step) => resolveReleaseJail(step, { settings: ctx.settings, host: ctx.host, storage: ctx.storage }),
    'etcupdate-merge': (step) => resolveEtcupdateMerge(step, { host: ctx.host }),
    // The export file is on the host the plan applies to (import's CLI); the rule refuses a step naming another.
    'receive-export-payload': (step) => receiveExportPayload(step, { host: ctx.host, storage: ctx.storage, local: ctx.host, onProgress: ctx.onProgress }),
    'write-export-file': async (step) => {
      await writeExportFile(step, { host: ctx.host, storage: ctx.storage, onProgress: ctx.onProgress });
      return undefined;
    },
  };
}
