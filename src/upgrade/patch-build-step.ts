/**
 * Building a newer patch level's basejail as a plan step: the deferred rule
 * `build-patch-basejail` (src/plan/plan.ts, docs/ARCHITECTURE.md § Plans).
 * The plan carries what was known when it was made: the release, the
 * basejail built from, the builder's source and, for pkgbase, the level the
 * catalogue offered and each package's version change. Apply builds exactly
 * that: a pkgbase catalogue that offers another level by then is refused as
 * a stale plan; a dist level is known only once freebsd-update fetch ran
 * ("known after apply").
 *
 * One choice of builder serves `upgrade <release>`, the fleet's `patch:
 * latest` and the rule's resolver, so each builds the same way.
 */
import type { RetryOptions } from '../release/download-file.js';
import type { Settings } from '../model/settings.js';
import { JailbuildError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { PLAN_STALE } from '../plan/apply-plan.js';
import type { DeferredStep, PlannedStep } from '../plan/plan.js';
import type { OnProgress } from '../progress.js';
import type { DatasetInfo, StorageBackend } from '../storage/storage-backend.js';
import type { Warn } from '../warn.js';
import type { BasejailBuilder, BasejailSource, BuiltBasejail, PatchPreview } from './basejail-builder.js';
import { createDistBuilder } from './build-dist-basejail.js';
import { createPkgbaseBuilder } from './build-pkgbase-basejail.js';

export interface BuilderChoice {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  /** The newest basejail of the release: what the new level is built from. */
  current: DatasetInfo;
  /** freebsd-update.conf for the dist builder. */
  conf?: string | undefined;
  /** Repository urls for the pkgbase builder. @default the basejail's recorded repository */
  pkgbaseRepositories?: readonly string[] | undefined;
  warn?: Warn | undefined;
  now?: Date | undefined;
  /** The pkgbase builder's catalogue fetch (retries, stall timeout). @default the downloads' own */
  catalogueFetch?: RetryOptions | undefined;
}

/** The basejail's own way: pkgbase when its `source` property says so, else freebsd-update. */
export function basejailSourceOf(basejail: DatasetInfo): BasejailSource {
  return basejail.properties.source === 'pkgbase' ? 'pkgbase' : 'dist';
}

export function chooseBasejailBuilder(choice: BuilderChoice): BasejailBuilder {
  const { settings, host, storage, current } = choice;
  const now = choice.now ?? new Date();
  if (basejailSourceOf(current) === 'pkgbase') {
    return createPkgbaseBuilder({
      settings,
      host,
      storage,
      current,
      now,
      ...(choice.pkgbaseRepositories ? { repositories: choice.pkgbaseRepositories } : {}),
      ...(choice.warn ? { warn: choice.warn } : {}),
      ...(choice.catalogueFetch ? { catalogueFetch: choice.catalogueFetch } : {}),
    });
  }
  if (choice.pkgbaseRepositories !== undefined) {
    const release = current.properties.release ?? current.name;
    throw new UsageError('E_USAGE_UPGRADE', `${current.name} was built from dist sets, so --pkgbase-repo does not apply; drop it (freebsd-update patches it)`, { data: { release } });
  }
  return createDistBuilder({ settings, host, storage, current, now, ...(choice.conf ? { conf: choice.conf } : {}) });
}

/** The deferred step that builds the level `preview` describes; `title` names the host for a fleet. */
export function patchBuildStep(preview: PatchPreview, options: { conf?: string | undefined; pkgbaseRepositories?: readonly string[] | undefined; host?: string } = {}): PlannedStep {
  const to = preview.to ?? `${preview.release}-p<N>`;
  const where = options.host === undefined ? '' : ` on ${options.host}`;
  return {
    step: {
      kind: 'deferred',
      title: `build basejail ${to} beside ${preview.fromDataset}${where}`,
      rule: 'build-patch-basejail',
      decides:
        preview.to === undefined
          ? `the new patch level: freebsd-update fetch on a clone of ${preview.fromDataset} says which (known after apply); nothing newer leaves every jail where it is`
          : `nothing: ${preview.packages.length} package version change(s) to ${preview.to}, fixed by this plan; a catalogue that offers another level at apply time refuses the plan`,
      inputs: {
        release: preview.release,
        from: preview.fromDataset,
        source: preview.source,
        ...(preview.to === undefined ? {} : { to: preview.to }),
        ...(options.conf === undefined ? {} : { conf: options.conf }),
        ...(options.pkgbaseRepositories === undefined ? {} : { pkgbaseRepositories: [...options.pkgbaseRepositories] }),
      },
      explain: preview.actions,
    },
  };
}

export interface PatchBuildContext {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  warn?: Warn | undefined;
  onProgress: OnProgress;
  now?: Date | undefined;
}

function input(step: DeferredStep, key: string): string | undefined {
  const value = step.inputs[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The rule's work: the builder chosen as the plan chose it, the level checked against the plan's, then built all-or-nothing. */
export async function resolvePatchBuild(step: DeferredStep, context: PatchBuildContext): Promise<BuiltBasejail> {
  const from = input(step, 'from');
  const source = input(step, 'source');
  if (from === undefined || (source !== 'dist' && source !== 'pkgbase')) throw new JailbuildError('E_PLAN_FILE', `deferred step "${step.title}" lacks its basejail or source; make the plan again`, { exitCode: 2 });
  const current = await context.storage.get(from);
  if (current === undefined || basejailSourceOf(current) !== source) {
    throw new JailbuildError(PLAN_STALE, `${from} ${current === undefined ? 'is gone' : 'is no longer the basejail the plan was made for'} on ${context.host.name}; make the plan again`, { exitCode: 2 });
  }
  const repositories = step.inputs.pkgbaseRepositories;
  const builder = chooseBasejailBuilder({
    ...context,
    current,
    conf: input(step, 'conf'),
    pkgbaseRepositories: Array.isArray(repositories) && repositories.every((r) => typeof r === 'string') ? repositories : undefined,
  });
  return buildAsPlanned(builder, step, context.onProgress);
}

/** Builds with `builder` the level the step fixed (pkgbase), refusing a catalogue that offers another one by now as stale. */
export async function buildAsPlanned(builder: BasejailBuilder, step: DeferredStep, onProgress: OnProgress): Promise<BuiltBasejail> {
  const planned = input(step, 'to');
  if (planned !== undefined) {
    const now = (await builder.preview()).to;
    if (now !== planned) throw new JailbuildError(PLAN_STALE, `the catalogue now offers ${now ?? 'no level'} for ${input(step, 'from') ?? 'the basejail'}, the plan was made for ${planned}; make the plan again`, { exitCode: 2, data: { planned, offered: now } });
  }
  return builder.build(onProgress);
}
