/**
 * jail.conf(5) as data. A file is a sequence of items; reading a human's file
 * and writing it back keeps its comments, blank lines, globals, wildcard
 * blocks and `.include` lines (formatting inside a statement is normalised).
 *
 * Values are data, not jail.conf text: a `$` in a value string is a literal
 * dollar unless a `refs` entry marks it as a variable reference. That is the
 * shape jail(8) itself keeps between parsing and expansion (usr.sbin/jail:
 * `struct cfstring` holds the text plus the positions of its variables), and
 * it is what lets the writer escape every other `$` so hostile input stays
 * inert.
 */
import type { JailParam } from '../jail-param.js';

/** A `$name` / `${name}` reference inside a value string. */
export interface JailConfVarRef {
  /** Parameter or variable name, e.g. `name`, `host.hostname`, `parentdir`. */
  name: string;
  /**
   * UTF-16 offset in the value string where the reference is spelled as
   * `${name}` (always the braced form, whatever the file used), so a reader
   * that ignores `refs` sees `/usr/jails/${name}`, not a silently wrong path.
   */
  offset: number;
}

/** `name = value;`, `name += a, b;`, `name;` or a variable definition `$name = value;`. */
export interface JailConfParam extends JailParam {
  kind: 'param';
  /** `$name = …;`: a variable, used only for substitution and never passed to the kernel. @default false */
  variable?: boolean;
  /**
   * Variable references per value string: `refs[i]` belongs to the i-th value
   * (`value` itself when it is a single string). Absent when no value has any;
   * then every value string is exactly the data jail(8) receives.
   */
  refs?: JailConfVarRef[][];
}

/** `.include "pattern";` — a literal file name or glob; jail(8) does not expand variables in it. */
export interface JailConfInclude {
  kind: 'include';
  pattern: string;
}

/**
 * A comment, verbatim with its markers: `# …`, `// …` or `/* … *\/`.
 * `trailing` comments sit on the line of the item before them (`persist; // why`),
 * or on the `name {` line when they are the first item of a block.
 */
export interface JailConfComment {
  kind: 'comment';
  text: string;
  /** @default false */
  trailing?: boolean;
}

/** One or more empty lines between items (a run of them reads back as one). */
export interface JailConfBlank {
  kind: 'blank';
}

/** Items allowed inside a jail block. */
export type JailConfBodyItem = JailConfParam | JailConfInclude | JailConfComment | JailConfBlank;

/**
 * `name { … }`. `*` and `foo.*` are wildcard blocks that apply to every
 * (matching) jail. Blocks nest as in jail(8): `a { b { … } }` defines jail
 * `a.b`; `name` is what the file says (`b`), the full name is the enclosing
 * blocks' names joined with dots (see `listJailConfJails`).
 */
export interface JailConfJail {
  kind: 'jail';
  name: string;
  items: JailConfItem[];
}

/** Top-level items: parameters outside any block are global (jail(8)'s `*` pseudo-jail). */
export type JailConfItem = JailConfBodyItem | JailConfJail;

export interface JailConfFile {
  items: JailConfItem[];
}
