import type { JailParam } from '../jail-param.js';
import type { JailConfParam } from './jail-conf-model.js';
import { writeJailConf } from './write-jail-conf.js';

/**
 * One `name { … }` block as jail.conf text, e.g. the whole content of
 * `/etc/jail.conf.d/web1.conf`. Values are data: they are quoted and escaped,
 * never interpreted (a `$` stays a `$`).
 */
export function renderJailBlock(name: string, params: readonly JailParam[]): string {
  const items = params.map((p): JailConfParam => {
    const item: JailConfParam = { kind: 'param', name: p.name };
    if (p.value !== undefined) item.value = p.value;
    if (p.append) item.append = true;
    return item;
  });
  return writeJailConf({ items: [{ kind: 'jail', name, items }] });
}
