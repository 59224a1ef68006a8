/**
 * Desired (the config) against actual (read from the hosts) → a `FleetPlan`.
 *
 * - A jail the config lists and no host has: `create`, with the steps of
 *   `jailbuild create`.
 * - A jail that exists: its jail.conf.d file and rc.conf values are rendered
 *   from the config exactly as create would write them and compared; any
 *   difference is an `update` that rewrites those files in place. A release
 *   or template change cannot be made in place: it is shown with what to run
 *   (`jailbuild upgrade --release`, or destroy and create) and apply leaves it.
 *   The update of a running jail with a health check ends with that check,
 *   a `health-check` step whose result is recorded (change-health-check.ts).
 * - A jail the config puts on another host than the one it is on: `move`,
 *   whose steps are migrate's plan over both hosts (export/plan-migrate.ts,
 *   its data goes along), applied as planned.
 * - A jail's patch level (the basejail it mounts) against the newest: the
 *   level the pkgbase catalogue offers (catalogue-offer.ts), else the newest
 *   basejail on its host. `patch: 'latest'` moves it after its other
 *   changes: the patch upgrade's group for that jail, the last step of its
 *   change (plan-jail-patch-move.ts); a catalogue level the host lacks is
 *   built first by one prepare entry per host and release.
 * - A jail jailbuild made that the config no longer lists: `destroy` with
 *   `prune`, otherwise a `noop` that says so. Jails jailbuild did not make
 *   are never touched.
 *
 * Network ids and `auto` addresses are stable: an existing jail keeps its
 * `jailbuild:id` and the addresses it holds; new jails get the next free ids
 * and pool addresses, after every static address of the fleet is claimed.
 */
import { join } from 'node:path';
import { buildJailParams } from '../jail/build-jail-params.js';
import { basejailDataset } from '../jail/dataset-names.js';
import { parseJailConf, renderJailBlock, resolveJailParams } from '../jail/jail-conf/index.js';
import type { JailParam } from '../jail/jail-param.js';
import { withJailDefaults, type JailSpec } from '../jail/jail-spec.js';
import { createFromTemplateStep, jailConfPath, jailPathsFor, JAILBUILD_HEADER } from '../jail/plan-create-jail.js';
import { checkLimitsOnHost, type SysctlCache } from '../jail/limits/check-limits-on-host.js';
import { hasLimits } from '../jail/limits/jail-limits.js';
import { readJailLimits, withoutLimitHooks } from '../jail/limits/limit-params.js';
import { newLimits, planLimitsChange } from '../jail/limits/plan-limits-change.js';
import { planDestroyJail } from '../jail/plan-jail-lifecycle.js';
import { readRcConf, setRcConfValues } from '../jail/rc-conf.js';
import { buildJailNetwork } from '../network/build-jail-network.js';
import { checkFleetNetworks } from '../network/check-fleet-networks.js';
import { checkVimage } from '../network/check-vimage.js';
import type { JailNetwork } from '../network/jail-network.js';
import { idOfLoopback, nextJailId } from '../network/network-for-jail.js';
import { readHostAddresses } from '../network/read-host-addresses.js';
import { jailNetworkFromParams } from '../network/read-jail-networks.js';
import { resolveJailAddresses, type JailAddressUse, type ResolvedNetwork } from '../network/resolve-jail-addresses.js';
import { bootstrapStep } from '../bootstrap/plan-bootstrap.js';
import { hostLockStep } from '../plan/host-lock.js';
import { createPlan, type PlannedStep } from '../plan/plan.js';
import { renderPlan } from '../plan/render-plan.js';
import { templateBuildStep } from '../template/template-build-step.js';
import { latestTemplateSnapshot } from '../template/template-versions.js';
import type { DesiredFleet, DesiredJail } from './desired-fleet.js';
import { FLEET_PLAN_VERSION, type FleetChange, type FleetDrift, type FleetFieldChange, type FleetPlan, type FleetPrepare } from './fleet-plan.js';
import { BASEJAIL_PARENT } from '../jail/dataset-names.js';
import { encodeHealthCheck, HEALTHCHECK_PROPERTY } from '../jail/health/health-check.js';
import type { DatasetInfo } from '../storage/storage-backend.js';
import { jailBasejail } from '../upgrade/jail-basejail.js';
import { basejailLevel, basejailsOfRelease, patchNumber } from '../jail/patch-level.js';
import { fleetWaves } from './fleet-waves.js';
import { LOCAL_HOST, type FleetHost } from './open-fleet-hosts.js';
import { readCatalogueOffer, type CatalogueOffer } from './catalogue-offer.js';
import type { PatchPreview } from '../upgrade/basejail-builder.js';
import { patchBuildStep } from '../upgrade/patch-build-step.js';
import { planJailPatchMove } from '../upgrade/plan-jail-patch-move.js';
import { planMigrate } from '../export/plan-migrate.js';
import { preUpgradeSnapshotName } from '../upgrade/snapshot-name.js';
import { LocalHost } from '../host/local-host.js';
import { planFleetCreate } from './plan-fleet-create.js';
import { changeHealthCheckStep } from './change-health-check.js';
import type { ActualJail, FleetState } from './read-fleet-state.js';

export interface ComputeFleetPlanContext {
  hosts: ReadonlyMap<string, FleetHost>;
  /** jailbuild's version, stamped on new datasets. */
  version?: string;
  /** Where `templates/<name>/` recipes are looked up (see `templateSearchDirs`). @default none: templates are bootstrapped */
  templateDirs?: readonly string[];
  /** @default new Date() */
  now?: Date;
}

const RECIPE_FILES = ['template.ts', 'template.mts', 'template.json'];

export async function computeFleetPlan(desired: DesiredFleet, actual: FleetState, context: ComputeFleetPlanContext): Promise<FleetPlan> {
  const hostOf = (name: string): FleetHost => {
    const h = context.hosts.get(name);
    if (h === undefined) throw new Error(`defense in depth: host ${name} was not opened`);
    return h;
  };
  const actualByName = new Map(actual.jails.map((j) => [j.name, j]));
  // `auto` for a new jail also skips what the hosts' interfaces hold (ifconfig -a), asked only of hosts that get one.
  const autoHosts = new Set(desired.jails.filter((j) => !actualByName.has(j.name) && (j.network?.ip4 === 'auto' || j.network?.ip6 === 'auto')).map((j) => j.host));
  const hostAddresses = (await Promise.all([...autoHosts].map((name) => readHostAddresses(hostOf(name).host)))).flat();
  const foreign = Object.values(actual.hosts).flatMap((h) => h.foreign);
  const specs = resolveSpecs(desired.jails, actual.jails, hostAddresses, foreign);
  // VNET modes need a VIMAGE kernel: ask each host once per mode before planning new jails, as `jailbuild create` does.
  const asked = new Set<string>();
  for (const jail of desired.jails) {
    const mode = specs.get(jail.name)?.network?.network.mode;
    if (mode === undefined || actualByName.has(jail.name) || asked.has(`${jail.host}\0${mode}`)) continue;
    asked.add(`${jail.host}\0${mode}`);
    await checkVimage(hostOf(jail.host).host, mode);
  }

  const prepare: FleetPrepare[] = [];
  const prepareIds = new Map<string, string>();
  const addPrepare = (entry: FleetPrepare): string => {
    if (!prepareIds.has(entry.id)) {
      prepareIds.set(entry.id, entry.id);
      prepare.push(entry);
    }
    return entry.id;
  };
  /** What must exist on `host` before jails of `template`/`release` can be cloned; ids of the prepare entries. */
  const ensureTemplate = async (hostName: string, release: string, template: string): Promise<string[]> => {
    const target = hostOf(hostName);
    if ((await latestTemplateSnapshot(target.storage, template, release)) !== undefined) return [];
    // A remote host is prepared like this one: bootstrap and template build run against it over ssh (docs/ARCHITECTURE.md § The remote pipeline).
    const source = await templateSourceOf(template, desired, context.templateDirs ?? []);
    if (source === 'bootstrap') {
      return [addPrepare(bootstrapEntry(hostName, release, template, `bootstrap ${release} as template ${template}`))];
    }
    const ids: string[] = [];
    const hasBase = (await target.storage.exists(basejailDataset(release))) && (await latestTemplateSnapshot(target.storage, 'default', release)) !== undefined;
    if (!hasBase) ids.push(addPrepare(bootstrapEntry(hostName, release, 'default', `bootstrap ${release}`)));
    const dir = desired.templates[template]?.dir;
    const reason = `build template ${template} for ${release} from its recipe`;
    const build = templateBuildStep(template, release, dir === undefined ? {} : { dir });
    ids.push(addPrepare({ id: `${hostName}:build-template:${release}:${template}`, host: hostName, action: 'build-template', release, template, ...(dir === undefined ? {} : { dir }), steps: createPlan(reason, [{ step: build }]), reason }));
    return ids;
  };

  for (const release of desired.releases) {
    for (const hostName of context.hosts.keys()) await ensureTemplate(hostName, release, 'default');
  }

  const changes: FleetChange[] = [];
  const includes = new Map<string, PlannedStep>();
  // Limits a change applies are checked against its host (racct on, CPUs) before anything runs; each host is asked once.
  const sysctls = new Map<string, SysctlCache>();
  const checkLimits = (jail: DesiredJail, existing: ActualJail | undefined) => {
    let cache = sysctls.get(jail.host);
    if (cache === undefined) sysctls.set(jail.host, (cache = new Map()));
    return checkLimitsOnHost(hostOf(jail.host).host, newLimits(existing?.limits ?? { rules: [], cpuset: undefined }, jail.limits), `jails.${jail.name}`, cache);
  };
  const basejailsOn = new Map<string, Promise<DatasetInfo[]>>();
  const basejailsOf = (hostName: string) => {
    let listed = basejailsOn.get(hostName);
    if (listed === undefined) basejailsOn.set(hostName, (listed = hostOf(hostName).storage.list(BASEJAIL_PARENT).catch(() => [])));
    return listed;
  };
  const offers = new Map<string, Promise<CatalogueOffer | undefined>>();
  const offerOf = (hostName: string, release: string, newest: DatasetInfo) => {
    let offer = offers.get(`${hostName}\0${release}`);
    if (offer === undefined) offers.set(`${hostName}\0${release}`, (offer = readCatalogueOffer(hostOf(hostName), newest)));
    return offer;
  };
  const drift = new Map<string, FleetDrift>();
  // One name for every patch move's snapshot of this plan, as `jailbuild upgrade` does.
  const patchSnapshot = preUpgradeSnapshotName(context.now ?? new Date());
  for (const jail of desired.jails) {
    const { spec, network } = specs.get(jail.name) as { spec: JailSpec; network: JailNetwork | undefined };
    const target = hostOf(jail.host);
    const existing = actualByName.get(jail.name);
    const base = { jail: jail.name, host: jail.host, spec, dependsOn: jail.dependsOn };
    if (existing === undefined) {
      if (hasLimits(jail.limits)) await checkLimits(jail, undefined);
      const needs = await ensureTemplate(jail.host, spec.release, spec.template);
      const created = await planFleetCreate(spec, target, context.version);
      if (created.include !== undefined && !includes.has(jail.host)) includes.set(jail.host, created.include);
      const deferred = created.deferred || needs.length > 0;
      // The template is made by `prepare` (or has no snapshot yet): the clone's steps are known after apply, by one stated rule.
      const steps = deferred
        ? createPlan(created.steps.summary, [{ step: createFromTemplateStep(spec, { includeSeparately: true, explain: renderPlan(created.steps, { storage: target.settings.storage, root: target.settings.root }).trimEnd().split('\n').slice(1) }) }])
        : created.steps;
      changes.push({ ...base, action: 'create', reason: createReason(spec, network), details: [], steps, deferred, needs });
      continue;
    }
    if (existing.host !== jail.host) {
      // Moved with its data by migrate (stop, final send, start there), never destroy + create; other changes wait for the next plan.
      const details = [{ field: 'host', from: existing.host, to: jail.host }];
      // Its steps are migrate's plan on both hosts, without a lock step: the fleet holds every host's lock (`locks`).
      const moved = await planMigrate({ name: jail.name }, { source: hostOf(existing.host), target: target }, { lock: false });
      changes.push({ ...base, action: 'move', from: existing.host, reason: `move from ${existing.host} to ${jail.host} with its data (jailbuild migrate)`, details, steps: moved.plan, deferred: false, needs: [] });
      continue;
    }
    // The jail's patch level is the basejail it mounts. `latest` is the level the pkgbase catalogue offers when the newest basejail
    // of its release there came from pkgbase (asked once per host and release), else that newest basejail (dist: only freebsd-update knows more).
    const basejails = await basejailsOf(jail.host);
    const mounted = await jailBasejail(existing, target.host, basejails);
    const newest = existing.release === undefined ? undefined : basejailsOfRelease(basejails, existing.release).at(-1);
    const update = planUpdate({ ...spec, ...(mounted === undefined ? {} : { basejail: mounted.name }) }, existing, target, actual.hosts[jail.host]?.rcConf ?? '', network);
    if (hasLimits(newLimits(existing.limits, jail.limits))) await checkLimits(jail, existing);
    let patch: FleetChange['patch'];
    const needs: string[] = [];
    if (mounted !== undefined && existing.release !== undefined) {
      const offer = newest === undefined ? undefined : await offerOf(jail.host, existing.release, newest);
      const hostLatest = newest === undefined ? undefined : basejailLevel(newest);
      const offered = offer?.preview?.to;
      const fromCatalogue = offered !== undefined && patchNumber(offered) >= patchNumber(hostLatest);
      const latest = fromCatalogue ? offered : hostLatest;
      const key = `${jail.host}\0${existing.release}\0${basejailLevel(mounted) ?? ''}`;
      const group: FleetDrift = drift.get(key) ?? {
        host: jail.host,
        release: existing.release,
        level: basejailLevel(mounted),
        latest,
        latestFrom: fromCatalogue ? 'catalogue' : 'host',
        ...(offer?.error === undefined ? {} : { catalogueError: offer.error }),
        jails: [],
        moving: [],
      };
      group.jails.push(jail.name);
      drift.set(key, group);
      if (jail.patch === 'latest' && newest !== undefined && latest !== undefined && patchNumber(latest) > patchNumber(basejailLevel(mounted))) {
        let to = newest.name;
        if (patchNumber(latest) > patchNumber(hostLatest) && offer?.preview !== undefined) {
          // Not built on this host yet: one prepare entry per host and release builds exactly the offered level before any jail moves.
          needs.push(addPrepare(buildPatchEntry(jail.host, offer.preview, latest)));
          to = basejailDataset(latest);
        }
        patch = { from: mounted.name, to, fromLevel: basejailLevel(mounted), toLevel: latest };
        group.moving.push(jail.name);
        update.details.push({ field: 'patch', from: patch.fromLevel, to: patch.toLevel });
        if (update.action === 'noop') {
          update.action = 'update';
          update.steps = createPlan(`update jail ${jail.name}`);
        }
        update.reason = describeDetails(update.details);
        // The move is the patch upgrade's group for this jail, after the change's other steps (whose file edits it builds on).
        const move = await planJailPatchMove(
          { ...existing, conf: existing.conf ?? jailConfPath(target.settings, jail.name), healthCheck: spec.healthCheck ?? existing.healthCheck },
          {
            host: target.host,
            storage: target.storage,
            render: { storage: target.settings.storage, root: target.settings.root },
            release: existing.release,
            from: { name: mounted.name, path: mounted.path, level: basejailLevel(mounted) },
            to: { dataset: to, level: latest },
            snapshot: patchSnapshot,
            // The jail.conf.d text read with the state (no second read over ssh), or what the change's steps write instead.
            known: new Map([...(existing.conf !== undefined && existing.confText !== undefined ? [[existing.conf, existing.confText] as const] : []), ...writtenFiles(update.steps.steps)]),
          },
        );
        update.steps = { ...update.steps, steps: [...update.steps.steps, move.group] };
      }
    }
    // A patch move checks the jail inside its group; any other change to a running jail with a check ends with one.
    const check = patch === undefined ? changeHealthCheckStep(existing, spec.healthCheck, update.steps.steps) : undefined;
    if (check !== undefined) update.steps = { ...update.steps, steps: [...update.steps.steps, check] };
    changes.push({ ...base, ...update, deferred: false, needs, ...(patch === undefined ? {} : { patch }) });
  }

  const listed = new Set(desired.jails.map((j) => j.name));
  for (const orphan of actual.jails.filter((j) => !listed.has(j.name) && j.managed)) {
    const target = hostOf(orphan.host);
    if (desired.prune) {
      const steps = planDestroyJail(orphan, target.settings, { hostRcConf: actual.hosts[orphan.host]?.rcConf ?? '' });
      changes.push({ action: 'destroy', jail: orphan.name, host: orphan.host, reason: 'no longer in the config (prune)', details: [], steps, deferred: false, dependsOn: [], needs: [] });
    } else {
      changes.push({ action: 'noop', jail: orphan.name, host: orphan.host, reason: 'not in the config; apply --prune (or prune: true) destroys it', details: [], steps: createPlan(`keep jail ${orphan.name}`), deferred: false, dependsOn: [], needs: [] });
    }
  }
  for (const [hostName, include] of includes) {
    addPrepare({ id: `${hostName}:include`, host: hostName, action: 'steps', steps: createPlan(`include jail.conf.d on ${hostName}`, [include]), reason: include.step.title });
  }
  // The include must exist before any jail of that host is created (jail -f still works without it, `service jail` does not).
  for (const change of changes) if (change.action === 'create' && includes.has(change.host)) change.needs.push(`${change.host}:include`);

  const nodes = new Map(desired.jails.map((j) => [j.name, j.dependsOn]));
  const configWaves = fleetWaves(nodes);
  const destroys = changes.filter((c) => c.action === 'destroy' || (c.action === 'noop' && !listed.has(c.jail))).map((c) => c.jail).sort();
  const waves = destroys.length > 0 ? [destroys, ...configWaves] : configWaves;
  changes.sort((a, b) => a.jail.localeCompare(b.jail));
  return {
    version: FLEET_PLAN_VERSION,
    kind: 'jailbuild-fleet-plan',
    createdAt: (context.now ?? new Date()).toISOString(),
    fingerprint: actual.fingerprint,
    hosts: Object.fromEntries([...context.hosts.values()].map((h) => [h.name, h.url])),
    prune: desired.prune,
    locks: [...context.hosts.values()].sort((a, b) => a.name.localeCompare(b.name)).map((h) => hostLockStep(h.settings.lockDir, h.name)),
    prepare,
    changes,
    waves,
    drift: [...drift.values()].sort((a, b) => a.host.localeCompare(b.host) || a.release.localeCompare(b.release) || patchNumber(a.level) - patchNumber(b.level)),
    summary: {
      add: changes.filter((c) => c.action === 'create').length,
      change: changes.filter((c) => c.action === 'update' || c.action === 'move').length,
      destroy: changes.filter((c) => c.action === 'destroy').length,
      unchanged: changes.filter((c) => c.action === 'noop').length,
    },
  };
}

/** What the change's steps write to host files (not beneath a jail's tree), by path: the patch move edits that text. */
function writtenFiles(steps: readonly PlannedStep[]): Map<string, string> {
  return new Map(steps.flatMap(({ step }) => (step.kind === 'write-file' && step.beneath === undefined ? [[step.path, step.content] as const] : [])));
}

/** Builds the level the catalogue offered (rule `build-patch-basejail`: a catalogue that moved on by apply time refuses the plan as stale). */
function buildPatchEntry(host: string, preview: PatchPreview, level: string): FleetPrepare {
  const reason = `build basejail ${level} from the pkgbase catalogue (${preview.packages.length} package version change(s))`;
  const step = patchBuildStep(preview, host === LOCAL_HOST ? {} : { host });
  return { id: `${host}:build-patch:${preview.release}`, host, action: 'build-patch', release: preview.release, level, steps: createPlan(reason, [step]), reason };
}

function bootstrapEntry(host: string, release: string, template: string, reason: string): FleetPrepare {
  return { id: `${host}:bootstrap:${release}:${template}`, host, action: 'bootstrap', release, template, steps: createPlan(reason, [{ step: bootstrapStep(release, template) }]), reason };
}

/** Recipes live beside the config, on the machine jailbuild runs on: looked up through its door. */
async function templateSourceOf(template: string, desired: DesiredFleet, dirs: readonly string[], local = new LocalHost()): Promise<'recipe' | 'bootstrap'> {
  const configured = desired.templates[template]?.source;
  if (configured !== undefined) return configured;
  // `default` is what bootstrap makes; other names are recipes when one exists.
  if (template === 'default') return 'bootstrap';
  const searched = desired.templates[template]?.dir !== undefined ? [desired.templates[template]?.dir as string] : dirs;
  for (const dir of searched) {
    for (const f of RECIPE_FILES) if ((await local.stat(join(dir, template, f), { follow: true })) !== undefined) return 'recipe';
  }
  return 'bootstrap';
}

/** Every desired jail as a JailSpec, networks resolved against the fleet (see the module comment). */
function resolveSpecs(jails: readonly DesiredJail[], actual: readonly ActualJail[], hostAddresses: readonly string[], foreign: readonly JailAddressUse[]): Map<string, { spec: JailSpec; network: JailNetwork | undefined }> {
  const actualByName = new Map(actual.map((j) => [j.name, j]));
  const actualNets = new Map(actual.map((j) => [j.name, jailNetworkFromParams(j.name, j.params, j.rcConfText)]));
  const uses: JailAddressUse[] = [...foreign, ...actual.map((j) => ({ jail: j.name, addresses: actualNets.get(j.name)?.addresses ?? [] }))];
  const usedIds = new Set(actual.flatMap((j) => (j.id === undefined ? [] : [j.id])));
  const resolved = new Map<string, ResolvedNetwork>();
  const claim = (jail: string, network: ResolvedNetwork) => {
    resolved.set(jail, network);
    const addresses = [...(Array.isArray(network.ip4) ? network.ip4 : []), ...(Array.isArray(network.ip6) ? network.ip6 : [])].map((c) => c.address);
    const index = uses.findIndex((u) => u.jail === jail);
    if (index >= 0) uses.splice(index, 1);
    uses.push({ jail, addresses });
  };
  const withNet = jails.filter((j) => j.network !== undefined);
  const keeps = (j: DesiredJail, family: 'ip4' | 'ip6') => {
    const had = actualNets.get(j.name);
    return j.network?.[family] === 'auto' && had !== undefined && had.network.mode === j.network.mode && Array.isArray(had.network[family]) && had.network[family].length > 0;
  };
  // 1. existing jails keep the auto addresses they hold; 2. static addresses; 3. new autos from the pools.
  const order = [
    ...withNet.filter((j) => keeps(j, 'ip4') || keeps(j, 'ip6')),
    ...withNet.filter((j) => !(keeps(j, 'ip4') || keeps(j, 'ip6')) && j.network?.ip4 !== 'auto' && j.network?.ip6 !== 'auto'),
    ...withNet.filter((j) => !(keeps(j, 'ip4') || keeps(j, 'ip6')) && (j.network?.ip4 === 'auto' || j.network?.ip6 === 'auto')),
  ];
  for (const jail of order) {
    const network = jail.network as NonNullable<DesiredJail['network']>;
    const had = actualNets.get(jail.name)?.network;
    const kept = { ...network, ...(keeps(jail, 'ip4') ? { ip4: undefined } : {}), ...(keeps(jail, 'ip6') ? { ip6: undefined } : {}) };
    const fresh = resolveJailAddresses(jail.name, kept.ip4 === undefined && kept.ip6 === undefined && network.mode === 'alias' ? { ...kept, ip4: [] } : kept, uses, hostAddresses);
    claim(jail.name, { ...fresh, ...(keeps(jail, 'ip4') ? { ip4: had?.ip4 as ResolvedNetwork['ip4'] } : {}), ...(keeps(jail, 'ip6') ? { ip6: had?.ip6 as ResolvedNetwork['ip6'] } : {}) });
  }
  const out = new Map<string, { spec: JailSpec; network: JailNetwork | undefined }>();
  const nets: Array<{ host: string; net: JailNetwork }> = [];
  for (const jail of jails) {
    const existing = actualByName.get(jail.name);
    let network: JailNetwork | undefined;
    let id = existing?.id;
    if (jail.network !== undefined) {
      if (id === undefined) {
        // Loopbacks held by jails without a jailbuild:id, or already on the host, rule their ids out too.
        const taken = new Set([...[...actualNets.values()].flatMap((n) => n.addresses), ...foreign.flatMap((f) => f.addresses), ...hostAddresses]);
        id = nextJailId([...usedIds, ...[...taken].flatMap((a) => idOfLoopback(a) ?? [])], taken);
        usedIds.add(id);
      }
      network = buildJailNetwork({ name: jail.name, id, network: resolved.get(jail.name) as ResolvedNetwork });
      nets.push({ host: jail.host, net: network });
    }
    const spec = withJailDefaults({
      name: jail.name,
      release: jail.release,
      template: jail.template,
      hostname: jail.hostname,
      ip4: jail.ip4,
      ip6: jail.ip6,
      extraParams: network?.params ?? [],
      rcConf: { ...network?.rcConf, ...jail.rc },
      securelevel: jail.securelevel,
      devfsRuleset: jail.devfsRuleset,
      mountFstab: jail.fstab,
      boot: jail.boot,
      timezone: jail.timezone,
      id: jail.network === undefined ? existing?.id : id,
      limits: jail.limits,
      healthCheck: jail.health,
    });
    out.set(jail.name, { spec, network });
  }
  for (const host of new Set(nets.map((n) => n.host))) checkFleetNetworks(nets.filter((n) => n.host === host).map((n) => n.net));
  return out;
}

function createReason(spec: JailSpec, network: JailNetwork | undefined): string {
  const addresses = network === undefined ? spec.ip4.map((a) => a.split('|').pop() as string) : network.addresses.filter((a) => !a.startsWith('127.') && !a.startsWith('fd00:'));
  const mode = network === undefined ? [] : [network.network.mode];
  return [spec.release, `template ${spec.template}`, ...mode, ...addresses].join(', ');
}

function paramMap(params: readonly JailParam[]): Map<string, string> {
  const map = new Map<string, string[]>();
  for (const p of params) {
    const values = p.value === undefined ? [''] : Array.isArray(p.value) ? p.value : [p.value];
    if (p.append) map.set(p.name, [...(map.get(p.name) ?? []), ...values]);
    else map.set(p.name, [...values]);
  }
  return new Map([...map].map(([k, v]) => [k, v.join(', ')]));
}

function planUpdate(spec: JailSpec, jail: ActualJail, target: FleetHost, hostRcConf: string, network: JailNetwork | undefined): Pick<FleetChange, 'action' | 'reason' | 'details' | 'steps'> {
  const details: FleetFieldChange[] = [];
  const steps: PlannedStep[] = [];
  if (jail.release !== spec.release) details.push({ field: 'release', from: jail.release, to: spec.release, manual: `run jailbuild upgrade --release ${spec.release} ${jail.name}` });
  if (jail.template !== spec.template) details.push({ field: 'template', from: jail.template, to: spec.template, manual: `a jail keeps the template it was cloned from: destroy ${jail.name} and apply to re-create it` });

  // jail.conf: rendered as create would write it, for the jail's current release (a release move is upgrade's job).
  const current = { ...spec, release: jail.release ?? spec.release };
  const confPath = jailConfPath(target.settings, jail.name);
  const wanted = JAILBUILD_HEADER + renderJailBlock(jail.name, buildJailParams(current, jailPathsFor(target.settings, target.storage, current)));
  // Limit hooks are compared as limits (below), not as exec.* lines: a running jail takes them without a restart.
  const limits = planLimitsChange(jail.name, readJailLimits(jail.name, jail.params), spec.limits, jail.state === 'running');
  let needsRestart = false;
  if (wanted !== jail.confText) {
    const have = paramMap(withoutLimitHooks(jail.name, jail.params));
    const want = paramMap(withoutLimitHooks(jail.name, resolveJailParams(parseJailConf(wanted, { file: confPath }), jail.name)));
    for (const name of new Set([...have.keys(), ...want.keys()])) {
      if (have.get(name) !== want.get(name)) {
        details.push({ field: name, from: have.get(name), to: want.get(name) });
        needsRestart = true;
      }
    }
    if (jail.confText === undefined) details.push({ field: 'jail.conf.d file', from: undefined, to: confPath });
    steps.push({
      step: { kind: 'write-file', title: `rewrite ${confPath}`, path: confPath, content: wanted, mode: 0o644 },
      undo: [jail.confText === undefined ? { kind: 'remove', title: `remove ${confPath}`, path: confPath } : { kind: 'write-file', title: `restore ${confPath}`, path: confPath, content: jail.confText, mode: 0o644 }],
    });
  }
  // After the file, so the jail's next start agrees with what the running jail gets now.
  details.push(...limits.changes);
  steps.push(...limits.steps);

  // rc.conf: only the values the config sets; other lines of the jail's rc.conf stay as they are.
  const haveRc = readRcConf(jail.rcConfText);
  const wantRc: Record<string, string> = { hostname: spec.hostname, ...spec.rcConf };
  const changedRc = Object.fromEntries(Object.entries(wantRc).filter(([k, v]) => haveRc[k] !== v));
  if (Object.keys(changedRc).length > 0) {
    for (const [k, v] of Object.entries(changedRc)) details.push({ field: `rc.conf ${k}`, from: haveRc[k], to: v });
    const rcPath = join(jail.path, 'etc/rc.conf');
    steps.push({
      // Inside the jail's root, which its root user controls: written through host.beneath, never through a link.
      step: { kind: 'write-file', title: `set ${Object.keys(changedRc).join(', ')} in ${jail.name}'s rc.conf`, path: rcPath, beneath: jail.path, content: setRcConfValues(jail.rcConfText, changedRc), mode: 0o644 },
      undo: [{ kind: 'write-file', title: `restore ${jail.name}'s rc.conf`, path: rcPath, beneath: jail.path, content: jail.rcConfText, mode: 0o644 }],
    });
  }

  const jailList = (readRcConf(hostRcConf).jail_list ?? '').split(/\s+/).filter((n) => n !== '');
  const booting = jailList.includes(jail.name);
  if (booting !== spec.boot) {
    details.push({ field: 'boot', from: String(booting), to: String(spec.boot) });
    const rc = ['-f', target.settings.hostRcConf];
    const add = { kind: 'run' as const, title: `start ${jail.name} at boot`, argv: ['sysrc', ...rc, `jail_list+=${jail.name}`] };
    const remove = { kind: 'run' as const, title: `do not start ${jail.name} at boot`, argv: ['sysrc', ...rc, `jail_list-=${jail.name}`] };
    if (spec.boot) steps.push({ step: { kind: 'run', title: 'enable jails at boot', argv: ['sysrc', ...rc, 'jail_enable=YES'] } }, { step: add, undo: [remove] });
    else steps.push({ step: remove, undo: [add] });
  }
  if (spec.healthCheck !== undefined && (jail.healthCheck === undefined || encodeHealthCheck(jail.healthCheck) !== encodeHealthCheck(spec.healthCheck))) {
    const value = encodeHealthCheck(spec.healthCheck);
    details.push({ field: 'health', from: jail.healthCheck === undefined ? undefined : encodeHealthCheck(jail.healthCheck), to: value });
    steps.push({ step: { kind: 'storage', title: `record ${jail.name}'s health check`, op: { op: 'set-properties', name: `jails/${jail.name}`, properties: { [HEALTHCHECK_PROPERTY]: value } } } });
  }
  if (network !== undefined && jail.id === undefined && spec.id !== undefined) {
    details.push({ field: 'network id', from: undefined, to: String(spec.id) });
    steps.push({ step: { kind: 'storage', title: `record network id ${spec.id} on jails/${jail.name}`, op: { op: 'set-properties', name: `jails/${jail.name}`, properties: { id: String(spec.id) } } } });
  }

  if (details.length === 0) return { action: 'noop', reason: 'up to date', details, steps: createPlan(`jail ${jail.name} is up to date`) };
  const restart = jail.state === 'running' && needsRestart ? ` (restart ${jail.name} to use the new jail.conf)` : '';
  return { action: 'update', reason: describeDetails(details) + restart, details, steps: createPlan(`update jail ${jail.name}`, steps) };
}

export function describeDetails(details: readonly FleetFieldChange[]): string {
  const q = (v: string | undefined) => (v === undefined ? '(none)' : JSON.stringify(v));
  return details.map((d) => `${d.field} ${q(d.from)} → ${q(d.to)}${d.manual === undefined ? '' : ` (${d.manual})`}`).join('; ');
}
