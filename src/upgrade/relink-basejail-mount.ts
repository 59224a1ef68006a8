/**
 * Repoints a jail's basejail mount at another basejail as a structured edit:
 * the jail.conf is parsed, the one `mount` entry (or fstab line) whose target
 * is `<jail path>/basejail` gets a new source field, and the model is written
 * back. Nothing else is touched and nothing is matched as text, so a path
 * that happens to contain the release name elsewhere cannot be rewritten (the
 * `sed` failure other jail managers shipped: an unescaped `.` rewrote an
 * install path into a release name and still reported success).
 */
import { JailbuildError } from '../errors.js';
import { parseJailConf, writeJailConf, type JailConfParam } from '../jail/jail-conf/index.js';

export interface RelinkOptions {
  jail: string;
  /** The jail's root; the mount target is `<jailPath>/basejail`. */
  jailPath: string;
  newBasejailPath: string;
  /** Shown in errors. */
  file: string;
}

/** Replaces the source of an fstab(5) line whose mount point is `target`; undefined when it is not such a line. */
function relinkLine(line: string, target: string, source: string): string | undefined {
  const fields = line.trim().split(/\s+/);
  if (line.trim().startsWith('#') || fields.length < 3 || fields[1] !== target || fields[2] !== 'nullfs') return undefined;
  return [source, ...fields.slice(1)].join(' ');
}

function noMount(options: RelinkOptions, where: string): JailbuildError {
  return new JailbuildError(
    'E_UPGRADE_NO_BASEJAIL_MOUNT',
    `${options.file}: no nullfs ${where} for ${options.jailPath}/basejail in jail ${options.jail}; fix the jail's config (jailbuild writes one) before upgrading`,
    { data: { file: options.file, jail: options.jail } },
  );
}

export interface RelinkedJailConf {
  text: string;
  /** `mount`: the basejail line lives in jail.conf; `mount.fstab`: in this fstab file, edit it with relinkFstab. */
  via: { kind: 'mount' } | { kind: 'mount.fstab'; fstab: string };
}

export function relinkJailConf(text: string, options: RelinkOptions): RelinkedJailConf {
  const model = parseJailConf(text, { file: options.file });
  const block = model.items.find((item) => item.kind === 'jail' && item.name === options.jail);
  if (block === undefined || block.kind !== 'jail') throw noMount(options, 'mount (no jail block)');
  const target = `${options.jailPath}/basejail`;
  let relinked = 0;
  let fstab: string | undefined;
  block.items = block.items.map((item) => {
    if (item.kind !== 'param' || item.variable) return item;
    if (item.name === 'mount.fstab' && typeof item.value === 'string') fstab = item.value;
    if (item.name !== 'mount' || item.value === undefined) return item;
    const values = Array.isArray(item.value) ? item.value : [item.value];
    const next = values.map((value, index) => {
      // A value spelled with variables ($name) is not a concrete path: leave it, it cannot match.
      if ((item.refs?.[index]?.length ?? 0) > 0) return value;
      const line = relinkLine(value, target, options.newBasejailPath);
      if (line === undefined) return value;
      relinked++;
      return line;
    });
    const param: JailConfParam = { ...item, value: Array.isArray(item.value) ? next : (next[0] as string) };
    return param;
  });
  if (relinked === 1) return { text: writeJailConf(model), via: { kind: 'mount' } };
  if (relinked > 1) throw new JailbuildError('E_UPGRADE_NO_BASEJAIL_MOUNT', `${options.file}: ${relinked} mounts target ${target} in jail ${options.jail}; keep exactly one`, { data: { file: options.file } });
  if (fstab !== undefined) return { text, via: { kind: 'mount.fstab', fstab } };
  throw noMount(options, 'mount or mount.fstab');
}

/** The fstab text with the basejail line's source replaced; comments and other lines stay as they are. */
export function relinkFstab(text: string, options: RelinkOptions): string {
  const target = `${options.jailPath}/basejail`;
  let relinked = 0;
  const lines = text.split('\n').map((line) => {
    const next = relinkLine(line, target, options.newBasejailPath);
    if (next === undefined) return line;
    relinked++;
    return next;
  });
  if (relinked !== 1) throw noMount(options, relinked === 0 ? 'fstab line' : 'fstab line (more than one)');
  return lines.join('\n');
}
