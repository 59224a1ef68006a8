/**
 * Everything `create` decides before it changes anything, shared by
 * `jailbuild create` and the scripting API's `createJail`: the release, the
 * network (id, addresses from the pool, duplicate and VIMAGE checks), the
 * template snapshot to clone (newest `@vN`, else bootstrap's `@base`), and
 * the plan. When the default template is missing the plan bootstraps it
 * first (a deferred step) and creates the jail from it (another); other
 * templates must be built first.
 */
import type { Settings } from '../model/settings.js';
import { UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import type { BootstrapResult } from '../bootstrap/bootstrap-release.js';
import { bootstrapStep } from '../bootstrap/plan-bootstrap.js';
import { checkLimitsOnHost, type SysctlCache } from '../jail/limits/check-limits-on-host.js';
import { hasLimits, type JailLimits } from '../jail/limits/jail-limits.js';
import { validateLimits } from '../jail/limits/parse-limit.js';
import type { JailNetwork } from '../network/jail-network.js';
import type { NetworkConfig } from '../network/network-config.js';
import { networkForJail } from '../network/network-for-jail.js';
import { createPlan, type Plan } from '../plan/plan.js';
import type { OnProgress } from '../progress.js';
import { parseReleaseName } from '../release/parse-release-name.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { latestTemplateSnapshot } from '../template/template-versions.js';
import type { Warn } from '../warn.js';
import { TEMPLATE_SNAPSHOT } from '../jail/dataset-names.js';
import type { JailParam } from '../jail/jail-param.js';
import { withJailDefaults, type JailSpec, type JailSpecInput } from '../jail/jail-spec.js';
import { createFromTemplateStep, planCreateJail } from '../jail/plan-create-jail.js';
import { readJails } from '../jail/read-jails.js';
import { validateHostname } from '../jail/validate-hostname.js';
import { validateJailName } from '../jail/validate-jail-name.js';

export type CreateJailRequest = Omit<JailSpecInput, 'release' | 'extraParams' | 'id'> & {
  /** `14.2`, `14.2-RELEASE`; @default settings.defaultRelease */
  release?: string;
  /** A network mode with its addresses (`ip4: 'auto'` takes the next free address of its pool). */
  network?: NetworkConfig;
  /** More jail(8) parameters for the jail's block (`allow.raw_sockets`, `children.max`, …), after the standard ones. */
  params?: JailParam[];
};

export interface CreateJailContext {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  warn: Warn;
  onProgress?: OnProgress;
  /** jailbuild's version, stamped on datasets. */
  version?: string;
  /** Host answers already asked (`checkCreateLimits` before the allocation lock), so they are not asked twice. */
  sysctlCache?: SysctlCache;
}

/**
 * The limits of a create request, checked against rctl(8)'s tables and then
 * the host (racct on, its CPUs). Callers run it before they take the
 * allocation lock, so a refusal leaves not even a lock directory behind;
 * `prepareCreateJail` runs it again, answered from `cache`.
 */
export async function checkCreateLimits(limits: JailLimits | undefined, host: Host, cache: SysctlCache): Promise<JailLimits | undefined> {
  const checked = limits === undefined ? undefined : validateLimits(limits);
  if (checked !== undefined && hasLimits(checked)) await checkLimitsOnHost(host, checked, '--limit', cache);
  return checked;
}

export interface PreparedJail {
  spec: JailSpec;
  plan: Plan;
  network: JailNetwork | undefined;
  /** The template snapshot the jail is cloned from. */
  snapshot: string;
  /** `'pending'`: the default template is missing, so the plan bootstraps it first (deferred steps). */
  bootstrap: BootstrapResult | 'pending' | undefined;
}

export async function prepareCreateJail(request: CreateJailRequest, context: CreateJailContext): Promise<PreparedJail> {
  const { settings, host, storage } = context;
  validateJailName(request.name);
  if (request.hostname !== undefined) validateHostname(request.hostname);
  const releaseInput = request.release ?? settings.defaultRelease;
  if (releaseInput === undefined) {
    throw new UsageError('E_USAGE_RELEASE', 'no release given; pass --release 14.2 (release: "14.2") or set defaults.release in jailbuild.config.ts');
  }
  const release = parseReleaseName(releaseInput).name;
  const template = request.template ?? settings.defaultTemplate;
  // Limits are checked before anything is written (a bootstrap included): the rules against rctl(8),
  // then what the host says (racct on, its CPUs).
  const limits = await checkCreateLimits(request.limits, host, context.sysctlCache ?? new Map());

  let network: JailNetwork | undefined;
  if (request.network !== undefined) {
    const usedIds = (await readJails({ settings, storage, host })).flatMap((j) => (j.id === undefined ? [] : [j.id]));
    network = await networkForJail({ name: request.name, network: request.network, host, jailConfDir: settings.jailConfDir, usedIds });
  }
  // A network mode may need its own devfs ruleset (dhclient needs bpf); an explicit one still wins.
  const networkRuleset = network?.params.find((p) => p.name === 'devfs_ruleset')?.value;
  const { network: _network, params: _params, ...rest } = request;
  const spec = withJailDefaults({
    ...rest,
    release,
    template,
    extraParams: [...(network?.params.filter((p) => p.name !== 'devfs_ruleset') ?? []), ...(request.params ?? [])],
    rcConf: { ...network?.rcConf, ...request.rcConf },
    devfsRuleset: request.devfsRuleset ?? (typeof networkRuleset === 'string' ? Number(networkRuleset) : undefined),
    id: network?.id,
    limits,
  });

  const source = await latestTemplateSnapshot(storage, template, release);
  if (source === undefined) {
    if (template !== settings.defaultTemplate) {
      throw new UsageError(
        'E_TEMPLATE_MISSING',
        `template ${template} is not built for ${release}; run jailbuild template build ${template} --release ${release} (or jailbuild bootstrap ${release} --template ${template} for a plain one)`,
      );
    }
    // Known after apply: the bootstrap, then the jail cloned from what it made (docs/ARCHITECTURE.md § Plans).
    const plan = createPlan(`create jail ${spec.name} (${spec.release}, template ${spec.template})`, [
      { step: bootstrapStep(release, template) },
      { step: createFromTemplateStep(spec) },
    ]);
    return { spec, plan, network, snapshot: TEMPLATE_SNAPSHOT, bootstrap: 'pending' };
  }
  const snapshot = source.snapshot;
  const plan = await planCreateJail(spec, { settings, storage, host, snapshot, ...(context.version === undefined ? {} : { version: context.version }) });
  const bootstrap = undefined;
  return { spec, plan, network, snapshot, bootstrap };
}
