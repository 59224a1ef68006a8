/**
 * `jailbuild import`: an export file becomes a jail (or template) on this
 * host. Everything is checked before anything is written (docs/EXPORT.md):
 * the format and the manifest's schema, the SSH signature over the manifest
 * against `trustedSigners` (unless `allowUnsigned`), the payload's size and
 * sha256 (one full read of the file), the release's basejail (or consent to
 * bootstrap it), a free name, the incremental origin snapshot, and the
 * addresses. A refusal writes nothing: no dataset, no file, no cache entry.
 *
 * Then one plan (docs/ARCHITECTURE.md § Plans), rendered by --dry-run and
 * applied otherwise: the host lock, the release's bootstrap when asked, the
 * payload read a second time and received (`zfs receive`) or unpacked
 * through `host.beneath` (tar), its hash checked again on the way (the
 * deferred `receive-export-payload` step), then the jail.conf steps; a
 * failure undoes the earlier steps (the dataset is destroyed).
 */
import { createHash } from 'node:crypto';
import type { Settings } from '../model/settings.js';
import { UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { bootstrapRelease } from '../bootstrap/bootstrap-release.js';
import { bootstrapStep } from '../bootstrap/plan-bootstrap.js';
import { basejailDataset, jailDataset, TEMPLATE_PARENT } from '../jail/dataset-names.js';
import { readJails } from '../jail/read-jails.js';
import { validateJailName } from '../jail/validate-jail-name.js';
import { allocationLockPath, withAllocationLock } from '../jail/with-allocation-lock.js';
import { canonicalAddress } from '../network/allocate-address.js';
import type { JailNetwork } from '../network/jail-network.js';
import type { NetworkConfig } from '../network/network-config.js';
import { formatCidr, type Cidr } from '../network/parse-cidr.js';
import { networkForJail } from '../network/network-for-jail.js';
import { readHostAddresses } from '../network/read-host-addresses.js';
import { readJailNetworks } from '../network/read-jail-networks.js';
import { applyPlan, type DeferredResolver } from '../plan/apply-plan.js';
import { hostLockStep } from '../plan/host-lock.js';
import { createPlan, type DeferredRule, type Plan, type PlannedStep } from '../plan/plan.js';
import type { OnProgress } from '../progress.js';
import { parseReleaseName } from '../release/parse-release-name.js';
import type { DatasetProperties, StorageBackend } from '../storage/storage-backend.js';
import type { ZfsBackend } from '../storage/zfs-backend.js';
import type { Warn } from '../warn.js';
import { openContainer } from './export-container.js';
import { ExportError } from './export-error.js';
import { parseManifest, type ExportManifest } from './export-manifest.js';
import { readHostFile } from './host-streams.js';
import { bareAddress } from './imported-jail-params.js';
import { planImportedJailConf } from './plan-imported-jail-conf.js';
import { receiveExportPayload, receivePayloadStep } from './receive-export-payload.js';
import { verifyManifest } from './ssh-signature.js';
import { jailConfPath } from '../jail/plan-create-jail.js';
import { zfsGuid } from './zfs-guid.js';

export interface ImportRequest {
  /** The export file, on `local`. */
  file: string;
  /** Import under another name. @default the manifest's */
  name?: string;
  /** Accept a file without a signature (or signed but with no `trustedSigners` to check it). @default false */
  allowUnsigned?: boolean;
  /** Bootstrap the release when its basejail is missing. @default false */
  bootstrap?: boolean;
  /** Keep the manifest's addresses (refused when any is taken here). @default false */
  keepAddresses?: boolean;
  /** A fresh network by the usual allocation (`--net`, `--ip auto`). */
  network?: NetworkConfig;
}

export interface ImportContext {
  /** Settings of the host the jail goes to. */
  settings: Settings;
  /** The host the jail goes to. */
  host: Host;
  storage: StorageBackend;
  /** The machine the file is on (reads it, runs ssh-keygen, decompresses tar payloads). */
  local: Host;
  /** Allowed-signers file on `local` (`trustedSigners`). */
  trustedSigners: string | undefined;
  warn: Warn;
  version: string;
  onProgress?: OnProgress;
  now?: Date;
  /** The caller holds the allocation lock already (migrate inside fleet apply). @default false */
  locked?: boolean;
  /** Resolvers of the plan's deferred steps (the CLI passes src/fleet/deferred-resolvers.ts). @default bootstrap and receive with this context */
  resolvers?: Partial<Record<DeferredRule, DeferredResolver>>;
}

export interface ImportResult {
  name: string;
  kind: 'jail' | 'template';
  dataset: string;
  manifest: ExportManifest;
  /** The principal of `trustedSigners` that signed, or undefined for an accepted unsigned file. */
  signedBy: string | undefined;
  ip4: string[];
  ip6: string[];
  dryRun: boolean;
  /** Would bootstrap (dry run) or did bootstrap the release first. */
  bootstrapped: boolean;
  /** The one plan `--dry-run` renders and apply runs: host lock, bootstrap, receive, jail.conf (docs/ARCHITECTURE.md § Plans). */
  plan: Plan;
}

/** What `verifyExportFile` proved about a file: safe to act on. */
export interface VerifiedExport {
  manifest: ExportManifest;
  signedBy: string | undefined;
}

/** Signature, schema and payload checks; reads the whole file once and writes nothing. */
export async function verifyExportFile(local: Host, file: string, options: { trustedSigners: string | undefined; allowUnsigned: boolean; warn: Warn }): Promise<VerifiedExport> {
  if ((await local.stat(file)) === undefined) throw new UsageError('E_IMPORT_FILE', `${file} does not exist; give the path of a file made by jailbuild export`, { data: { file } });
  const stream = readHostFile(local, file);
  try {
    const container = await openContainer(stream, file);
    let signedBy: string | undefined;
    if (container.signature.length === 0) {
      if (!options.allowUnsigned) {
        throw new ExportError('E_IMPORT_UNSIGNED', `${file} is not signed; export it with --sign-key, or import with --allow-unsigned if you made it yourself`, { data: { file } });
      }
      options.warn('W_IMPORT_UNSIGNED', `${file} is not signed; importing it because of --allow-unsigned`, { file });
    } else if (options.trustedSigners === undefined) {
      if (!options.allowUnsigned) {
        throw new ExportError('E_IMPORT_SIGNERS', `${file} is signed but no trustedSigners file is configured to check it; set trustedSigners in jailbuild.config.ts (an ssh-keygen allowed-signers file), or import with --allow-unsigned`, { exitCode: 2, data: { file } });
      }
      options.warn('W_IMPORT_UNSIGNED', `${file}'s signature is not checked (no trustedSigners configured); importing it because of --allow-unsigned`, { file });
    } else {
      signedBy = await verifyManifest(local, options.trustedSigners, container.manifest, container.signature, file);
    }
    // Only a manifest the signature vouches for (or one accepted unsigned) is parsed.
    const manifest = parseManifest(container.manifest, file);
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of container.payload) {
      hash.update(chunk);
      size += chunk.length;
    }
    const sha256 = hash.digest('hex');
    if (size !== container.payloadSize || size !== manifest.payload.size || sha256 !== manifest.payload.sha256) {
      throw new ExportError('E_IMPORT_PAYLOAD', `${file}: the payload does not match its manifest (${size} bytes, sha256 ${sha256.slice(0, 12)}…; expected ${manifest.payload.size} bytes, ${manifest.payload.sha256.slice(0, 12)}…): the file was changed or truncated; get an intact copy`, { data: { file, size, sha256 } });
    }
    return { manifest, signedBy };
  } finally {
    stream.destroy();
    await stream.done.catch(() => undefined);
  }
}

function zfsFull(storage: StorageBackend, relative: string): string {
  return `${(storage as ZfsBackend).dataset}/${relative}`;
}

export async function importJail(request: ImportRequest, context: ImportContext): Promise<ImportResult> {
  const { settings, host, storage, local } = context;
  const { manifest, signedBy } = await verifyExportFile(local, request.file, { trustedSigners: context.trustedSigners, allowUnsigned: request.allowUnsigned ?? false, warn: context.warn });
  const release = parseReleaseName(manifest.release).name;
  const kind = manifest.kind;
  const name = request.name ?? manifest.name;
  if (kind === 'jail') validateJailName(name);
  const dataset = kind === 'jail' ? jailDataset(name) : `${TEMPLATE_PARENT}/${name}-${release}`;
  const confPath = jailConfPath(settings, name);
  if ((await storage.exists(dataset)) || (kind === 'jail' && (await host.stat(confPath)) !== undefined)) {
    throw new UsageError('E_IMPORT_EXISTS', `${kind} ${name} already exists here (${dataset}); import it under another name with --name, or destroy the existing one first`, { data: { name, dataset } });
  }
  if (manifest.payload.format === 'zfs-send' && storage.kind !== 'zfs') {
    throw new UsageError('E_IMPORT_BACKEND', `${request.file} holds a zfs send stream and this host uses the dir backend; export it from a dir-backend host, or import on a ZFS host`);
  }
  if (manifest.payload.incrementalFrom !== undefined) {
    const origin = manifest.payload.incrementalFrom;
    const guid = await zfsGuid(host, zfsFull(storage, origin.snapshot));
    if (guid !== origin.guid) {
      throw new ExportError('E_IMPORT_ORIGIN', `${request.file} is incremental from ${origin.snapshot} (guid ${origin.guid}), which this pool ${guid === undefined ? 'does not have' : `has as another snapshot (guid ${guid})`}; export it again with --full`, { exitCode: 2, data: { origin } });
    }
  }
  const basejail = await storage.get(basejailDataset(release));
  const needsBootstrap = basejail === undefined;
  if (needsBootstrap && !request.bootstrap) {
    throw new UsageError('E_IMPORT_RELEASE', `release ${release} is not bootstrapped on ${host.name}; run jailbuild bootstrap ${release} first, or import with --bootstrap`, { data: { release } });
  }
  if (basejail?.properties.sha256 !== undefined && manifest.basejail.sha256 !== undefined && basejail.properties.sha256 !== manifest.basejail.sha256) {
    context.warn('W_IMPORT_BASEJAIL', `${name} was made on a basejail from another base.txz (sha256 ${manifest.basejail.sha256.slice(0, 12)}…, here ${basejail.properties.sha256.slice(0, 12)}…); check the jail after import`, { release });
  }

  const body = async (): Promise<ImportResult> => {
    // The network: kept addresses (when free) or a fresh allocation, chosen under the host lock.
    let network: JailNetwork | undefined;
    let keep: { ip4: string[]; ip6: string[] } | undefined;
    const jail = manifest.jail;
    if (kind === 'jail' && jail !== undefined) {
      if (request.keepAddresses) {
        const taken = new Set([...(await readJailNetworks(host, settings.jailConfDir)).flatMap((j) => j.addresses.map(canonicalAddress)), ...(await readHostAddresses(host)).map(canonicalAddress)]);
        const busy = [...jail.ip4, ...jail.ip6].map(bareAddress).filter((a) => taken.has(canonicalAddress(a)));
        if (busy.length > 0) {
          throw new UsageError('E_IMPORT_ADDRESS', `${name}'s address ${busy.join(', ')} is already used on ${host.name}; import without --keep-addresses and with --net <network> --ip auto for a fresh one`, { data: { busy } });
        }
        keep = { ip4: jail.ip4, ip6: jail.ip6 };
      } else if (request.network !== undefined) {
        const usedIds = (await readJails({ settings, storage, host })).flatMap((j) => (j.id === undefined ? [] : [j.id]));
        network = await networkForJail({ name, network: request.network, host, jailConfDir: settings.jailConfDir, usedIds });
      } else if (jail.ip4.length + jail.ip6.length > 0) {
        throw new UsageError('E_IMPORT_NETWORK', `${name} had the addresses ${[...jail.ip4, ...jail.ip6].join(', ')}; pass --net <network> [--ip auto] for fresh ones, or --keep-addresses to keep them`, { data: { ip4: jail.ip4, ip6: jail.ip6 } });
      }
    }
    const listed = (value: Cidr[] | string | undefined) => (Array.isArray(value) ? value.map(formatCidr) : value === undefined ? [] : [value]);
    const ip4 = keep?.ip4 ?? listed(network?.network.ip4);
    const ip6 = keep?.ip6 ?? listed(network?.network.ip6);
    const properties: DatasetProperties = {
      release,
      template: manifest.template?.name ?? settings.defaultTemplate,
      created: (context.now ?? new Date()).toISOString(),
      version: context.version,
      ...(manifest.arch ? { arch: manifest.arch } : {}),
      ...(network ? { id: String(network.id) } : keep && jail?.properties.id ? { id: jail.properties.id } : {}),
      ...(kind === 'template' && manifest.template?.recipeSha256 ? { 'recipe-sha256': manifest.template.recipeSha256 } : {}),
    };
    // One plan (docs/ARCHITECTURE.md § Plans): the host lock, the release's bootstrap when asked, the
    // receive (known after apply: the payload's files), then jail.conf; a failure undoes what went before.
    const payload = manifest.payload;
    const rcConf = kind === 'jail' && network !== undefined && Object.keys(network.rcConf).length > 0 ? network.rcConf : undefined;
    const steps: PlannedStep[] = [{ step: hostLockStep(settings.lockDir, host.name) }];
    if (needsBootstrap) steps.push({ step: bootstrapStep(release, settings.defaultTemplate) });
    steps.push(
      receivePayloadStep({
        file: request.file,
        fileOn: local.name,
        format: payload.format,
        compression: payload.compression,
        size: payload.size,
        sha256: payload.sha256,
        dataset,
        kind,
        properties,
        ...(payload.format === 'zfs-send' && kind === 'jail' && payload.snapshot !== undefined ? { dropSnapshot: payload.snapshot } : {}),
        ...(payload.format === 'tar' && kind === 'template' ? { makeSnapshot: payload.snapshot ?? manifest.template?.snapshot ?? 'base' } : {}),
        ...(rcConf ? { rcConf } : {}),
      }),
    );
    if (kind === 'jail' && jail !== undefined) {
      const conf = await planImportedJailConf({ settings, host, storage, name, oldName: manifest.name, release, sourceParams: jail.params, rcConfByReceive: true, ...(keep ? { keep } : {}), ...(network ? { network } : {}) });
      steps.push(...conf.steps);
    }
    const plan = createPlan(`import ${kind} ${name} from ${request.file}`, steps);
    const result: ImportResult = { name, kind, dataset, manifest, signedBy, ip4, ip6, dryRun: settings.dryRun, bootstrapped: needsBootstrap, plan };
    if (settings.dryRun) return result;
    // The lock step is satisfied: the lock was taken before the network was chosen (or by the caller).
    await applyPlan(host, plan, {
      storage,
      heldLocks: new Set([allocationLockPath(settings)]),
      resolvers: context.resolvers ?? importResolvers(context),
      ...(context.onProgress ? { onProgress: context.onProgress } : {}),
    });
    return result;
  };
  return context.locked ? body() : withAllocationLock(context, body);
}

/** The rules import's plan names, for callers without the registry (src/fleet/deferred-resolvers.ts sits above this layer). */
function importResolvers(context: ImportContext): Partial<Record<DeferredRule, DeferredResolver>> {
  const { settings, host, storage, local } = context;
  const onProgress = context.onProgress ? { onProgress: context.onProgress } : {};
  return {
    'bootstrap-release': async (step) => {
      const { release, template } = step.inputs;
      if (typeof release !== 'string' || typeof template !== 'string') throw new Error('defense in depth: a bootstrap step without release and template');
      await bootstrapRelease({ settings, host, storage, warn: context.warn, release, template, version: context.version, ...onProgress });
      return undefined;
    },
    'receive-export-payload': (step) => receiveExportPayload(step, { host, storage, local, ...onProgress }),
  };
}
