/**
 * Replaces a jail's limit hooks in its jail.conf.d file as a structured edit:
 * the file is parsed, the hooks `limitParams` wrote are taken out of the
 * jail's block, the new ones appended at its end (where `buildJailParams`
 * puts them, so a fleet plan afterwards sees the file it would write), and
 * the model written back. Every other line, a hand-added `exec.created`
 * included, stays as it was.
 */
import { JailbuildError } from '../../errors.js';
import { parseJailConf, writeJailConf, type JailConfParam } from '../jail-conf/index.js';
import type { JailLimits } from './jail-limits.js';
import { isLimitParam, limitParams } from './limit-params.js';

export function setJailConfLimits(text: string, jail: string, limits: JailLimits, file: string): string {
  const model = parseJailConf(text, { file });
  const block = model.items.find((item) => item.kind === 'jail' && item.name === jail);
  if (block === undefined || block.kind !== 'jail') {
    throw new JailbuildError('E_LIMIT_NO_BLOCK', `${file} has no block for jail ${jail}; fix the file (jailbuild create writes one) before changing its limits`, { data: { file, jail } });
  }
  const kept = block.items.filter((item) => item.kind !== 'param' || item.variable === true || item.refs !== undefined || !isLimitParam(jail, item));
  const added = limitParams(jail, limits).map((p): JailConfParam => ({ kind: 'param', ...p }));
  block.items = [...kept, ...added];
  return writeJailConf(model);
}
