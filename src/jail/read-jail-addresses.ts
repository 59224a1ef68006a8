/**
 * `ip4.addr` and `ip6.addr` of a jail.conf.d file without the full parser,
 * for `list` at thousands of jails. Only files shaped exactly as jailbuild
 * writes them (whole-line `#` comments, then renderJailBlock: one `name {` block, one tab-indented
 * parameter per line, values as double-quoted strings) are read this way;
 * anything else (comments, variables, several blocks, a hand edit that
 * changes the layout) returns undefined and the caller uses the full parser,
 * so the answer is always the full parser's answer.
 */

export interface JailAddresses {
  ip4: string[];
  ip6: string[];
}

const QUOTED = String.raw`"(?:[^"\\$]|\\["\\$])*"`;
/** `\tname;` or `\tname = "v", "w";` or `\tname += "v";` with only the escapes the writer makes for `"`, `\` and `$`. */
const LINE = new RegExp(String.raw`^\t([A-Za-z0-9_.]+)(?:( \+?= )(${QUOTED}(?:, ${QUOTED})*))?;$`);
const VALUE = new RegExp(QUOTED, 'g');

export function readJailAddresses(text: string, name: string): JailAddresses | undefined {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  // Whole-line `#` comments before the block (jailbuild's header) end at the newline and change nothing.
  let first = 0;
  while (lines[first]?.startsWith('#')) first++;
  if (lines[first] !== `${name} {` || lines.at(-1) !== '}') return undefined;
  const found: JailAddresses = { ip4: [], ip6: [] };
  for (let i = first + 1; i < lines.length - 1; i++) {
    const line = lines[i] as string;
    const m = LINE.exec(line);
    if (m === null) return undefined;
    const param = m[1] as string;
    if (param !== 'ip4.addr' && param !== 'ip6.addr') continue;
    const list = param === 'ip4.addr' ? found.ip4 : found.ip6;
    if (m[2] === undefined) continue; // a bare `ip4.addr;` sets no value, as in valuesOf()
    if (m[2] === ' = ') list.length = 0;
    for (const quoted of (m[3] as string).match(VALUE) ?? []) list.push(quoted.slice(1, -1).replace(/\\(["\\$])/g, '$1'));
  }
  return found;
}
