/**
 * Reads a jail.conf file the way jail(8) does, `.include`s and all
 * (usr.sbin/jail/config.c since FreeBSD 14, commit e82a6294 "jail: add
 * .include directive to jail.conf"): each include is replaced by the items of
 * the files it names, in glob order, at the place it stands, so jails and
 * parameters keep their file order. Nesting is capped at 32 levels as jail(8)
 * caps it (MAX_INCLUDE_DEPTH), which also stops an include cycle.
 *
 * An include of a file that does not exist is an error, as in jail(8), which
 * fails to open it and stops. A glob that matches nothing adds nothing: the
 * `.include "/etc/jail.conf.d/*.conf";` that jailbuild writes must keep
 * working once the last jail is destroyed. A relative name is taken from the
 * directory of the file that includes it.
 *
 * Files are read through the host door, so `--root` and remote hosts apply.
 */
import { JailbuildError } from '../../errors.js';
import type { Host } from '../../host/host.js';
import type { JailConfFile, JailConfInclude, JailConfItem } from './jail-conf-model.js';
import { parseJailConf, positionOfInclude } from './parse-jail-conf.js';

export const MAX_INCLUDE_DEPTH = 32;

type FileReader = Pick<Host, 'readFile' | 'readdir'>;

const GLOB_CHARS = /[*?[]/;

function dirname(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

/** One glob(3) path component as a regex: `*`, `?`, `[…]`; a leading `.` is only matched literally. */
function componentRegex(component: string): RegExp {
  let re = '';
  for (let i = 0; i < component.length; i++) {
    const c = component[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = component.indexOf(']', i + 2);
      if (end === -1) re += '\\[';
      else {
        const body = component.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${component.startsWith('.') ? '' : '(?!\\.)'}${re}$`);
}

/** The files an absolute glob names, sorted as glob(3) sorts them. */
async function expandGlob(host: FileReader, pattern: string): Promise<string[]> {
  let paths = ['/'];
  for (const component of pattern.split('/').filter((c) => c !== '')) {
    const next: string[] = [];
    for (const base of paths) {
      const join = (name: string) => (base === '/' ? `/${name}` : `${base}/${name}`);
      if (!GLOB_CHARS.test(component)) next.push(join(component));
      else {
        const re = componentRegex(component);
        // glob(3) skips what it cannot list (a file where a directory was expected)
        const names = await host.readdir(base).catch(() => [] as string[]);
        for (const name of names.sort()) if (re.test(name)) next.push(join(name));
      }
    }
    paths = next;
  }
  return paths.sort();
}

async function loadItems(host: FileReader, path: string, depth: number, text?: string): Promise<JailConfItem[]> {
  const source = text ?? (await host.readFile(path));
  if (source === undefined) throw new JailbuildError('E_JAILCONF_MISSING', `${path} does not exist; create it or give the right path`, { data: { file: path } });
  const model = parseJailConf(source, { file: path });
  const expand = async (items: readonly JailConfItem[]): Promise<JailConfItem[]> => {
    const out: JailConfItem[] = [];
    for (const item of items) {
      if (item.kind === 'include') out.push(...(await include(item)));
      else if (item.kind === 'jail') out.push({ ...item, items: await expand(item.items) });
      else out.push(item);
    }
    return out;
  };
  const include = async (item: JailConfInclude): Promise<JailConfItem[]> => {
    const at = positionOfInclude(item);
    const where = at === undefined ? path : `${at.file}:${at.line}:${at.column}`;
    if (depth >= MAX_INCLUDE_DEPTH) {
      throw new JailbuildError('E_JAILCONF_INCLUDE', `${where}: .include ${JSON.stringify(item.pattern)} nests more than ${MAX_INCLUDE_DEPTH} files deep, as jail(8) refuses; look for a file that includes itself`, { data: { file: path, pattern: item.pattern } });
    }
    const pattern = item.pattern.startsWith('/') ? item.pattern : `${dirname(path)}/${item.pattern}`;
    if (!GLOB_CHARS.test(pattern)) {
      const included = await host.readFile(pattern);
      if (included === undefined) {
        throw new JailbuildError('E_JAILCONF_INCLUDE', `${where}: .include ${JSON.stringify(item.pattern)}: ${pattern} does not exist, which jail(8) refuses; create the file or remove the .include`, {
          data: { file: path, pattern: item.pattern, missing: pattern },
        });
      }
      return loadItems(host, pattern, depth + 1, included);
    }
    const out: JailConfItem[] = [];
    for (const file of await expandGlob(host, pattern)) out.push(...(await loadItems(host, file, depth + 1)));
    return out;
  };
  return expand(model.items);
}

/** `path` parsed with every `.include` replaced by the included files' items. */
export async function loadJailConf(host: FileReader, path: string): Promise<JailConfFile> {
  return { items: await loadItems(host, path, 0) };
}
