/**
 * Reads jail.conf text into a `JailConfFile`, following FreeBSD's grammar
 * (usr.sbin/jail/jailparse.y) with the `.include` directive of jail.conf(5):
 *
 *   file   := { ';' | jail | param ';' }
 *   jail   := NAME '{' { ';' | jail | param ';' } '}'
 *   param  := NAME | NAME '=' value | NAME '+=' value | NAME value
 *   value  := string { ',' string }
 *
 * NAME is a single token: one word or one quoted string without variables
 * (`"foo.*" {` must be quoted: unquoted `foo.*` is two tokens to jail(8)).
 * A parameter whose name is a variable (`$parentdir = …;`) defines a
 * variable. `.include "glob";` is the parameter form jail(8) treats as an
 * include. Jail blocks nest: a block inside a block defines the child jail
 * `outer.inner`, as current jail(8) reads it (the older grammar,
 * `jail : STR '{' param_l '}'`, refused it).
 *
 * Comments and blank lines become items so a human's file survives a
 * read-modify-write; a comment in the middle of a statement moves in front
 * of that statement.
 */
import { JailConfParseError, type JailConfPosition } from './jail-conf-error.js';
import type {
  JailConfBodyItem,
  JailConfComment,
  JailConfFile,
  JailConfInclude,
  JailConfItem,
  JailConfJail,
  JailConfParam,
  JailConfVarRef,
} from './jail-conf-model.js';
import { lexJailConf, type JailConfPiece, type JailConfToken } from './lex-jail-conf.js';

/** Where each `.include` of a parsed file stands, for "file:line: cannot read the included file" errors. */
const includePositions = new WeakMap<JailConfInclude, JailConfPosition>();

/** The position of an include item `parseJailConf` made; undefined for hand-built items. */
export function positionOfInclude(item: JailConfInclude): JailConfPosition | undefined {
  return includePositions.get(item);
}

export interface ParseJailConfOptions {
  /** File name used in error messages. @default '<input>' */
  file?: string;
}

type StringToken = Extract<JailConfToken, { type: 'string' }>;

export function parseJailConf(text: string, options: ParseJailConfOptions = {}): JailConfFile {
  const { tokens, positionOf } = lexJailConf(text, options.file ?? '<input>');
  let index = 0;
  /** Comments met while reading a statement; they land in front of it. */
  let inner: JailConfComment[] = [];
  let insideStatement = false;
  /** Item lists of jail blocks: a comment on the `name {` line trails the brace. */
  const blockBodies = new WeakSet<JailConfItem[]>();

  const fail = (token: JailConfToken, problem: string, fix: string): never => {
    throw new JailConfParseError(positionOf(token.start), problem, fix);
  };
  const describe = (token: JailConfToken): string => {
    switch (token.type) {
      case 'eof':
        return 'the end of the file';
      case 'punct':
        return `'${token.value}'`;
      case 'other':
        return `the character ${JSON.stringify(token.value)}`;
      case 'string':
        return `the word ${JSON.stringify(piecesToText(token.pieces))}`;
      case 'comment':
        return 'a comment';
    }
  };

  /** Next non-comment token; comments go to `target` (between statements) or `inner` (inside one). */
  const next = (target: JailConfItem[]): JailConfToken => {
    for (;;) {
      const token = tokens[index++]!;
      if (token.type !== 'comment') return token;
      const comment: JailConfComment = { kind: 'comment', text: token.text };
      if (insideStatement) {
        inner.push(comment);
        continue;
      }
      pushBlankIfAny(target, token);
      const last = target[target.length - 1];
      if (token.newlinesBefore === 0 && (last === undefined ? blockBodies.has(target) : last.kind !== 'blank')) {
        comment.trailing = true;
      }
      target.push(comment);
    }
  };
  const peek = (target: JailConfItem[]): JailConfToken => {
    const token = next(target);
    index--;
    return token;
  };
  const pushBlankIfAny = (target: JailConfItem[], token: JailConfToken): void => {
    const last = target[target.length - 1];
    if (token.newlinesBefore >= 2 && last !== undefined && last.kind !== 'blank') target.push({ kind: 'blank' });
  };

  const readName = (token: StringToken, what: string): JailConfPiece => {
    if (token.tokenCount !== 1) {
      fail(token, `${what} ${JSON.stringify(piecesToText(token.pieces))} is not a single word`, 'quote the whole name, e.g. "foo.*"');
    }
    return token.pieces[0]!;
  };

  /** Parses one parameter statement whose name token was just read; `target` receives it. */
  const parseParam = (nameToken: StringToken, target: JailConfItem[]): JailConfParam | JailConfBodyItem => {
    const namePiece = readName(nameToken, 'parameter name');
    const param: JailConfParam = { kind: 'param', name: namePiece.kind === 'var' ? namePiece.name : namePiece.text };
    if (namePiece.kind === 'var') param.variable = true;
    let token = next(target);
    let sawOperator = false;
    if (token.type === 'punct' && (token.value === '=' || token.value === '+=')) {
      if (token.value === '+=') param.append = true;
      sawOperator = true;
      token = next(target);
    }
    const strings: StringToken[] = [];
    if (token.type === 'string') {
      strings.push(token);
      token = next(target);
      while (token.type === 'punct' && token.value === ',') {
        const item = next(target);
        if (item.type !== 'string') fail(item, `expected a value after ',' but found ${describe(item)}`, 'remove the trailing comma or add a value');
        strings.push(item as StringToken);
        token = next(target);
      }
    } else if (sawOperator) {
      fail(token, `expected a value for "${param.name}" but found ${describe(token)}`, 'write a value, e.g. "" for an empty string');
    }
    if (!(token.type === 'punct' && token.value === ';')) {
      fail(token, `expected ';' after parameter "${param.name}" but found ${describe(token)}`, "end each parameter with ';'");
    }
    if (strings.length > 0) {
      const values = strings.map(toValue);
      param.value = values.length === 1 ? values[0]!.text : values.map((v) => v.text);
      if (values.some((v) => v.refs.length > 0)) param.refs = values.map((v) => v.refs);
    }
    if (param.name === '.include' && !param.variable) {
      const pattern = strings[0];
      if (strings.length !== 1 || param.append || pattern === undefined) {
        fail(nameToken, '.include takes exactly one file name', 'write .include "/etc/jail.conf.d/*.conf";');
      }
      if (pattern!.pieces.some((p) => p.kind === 'var')) {
        fail(pattern!, '.include cannot use variables (jail(8) does not expand them there)', 'write the literal file name or glob');
      }
      const include: JailConfInclude = { kind: 'include', pattern: piecesToText(pattern!.pieces) };
      includePositions.set(include, positionOf(nameToken.start));
      return include;
    }
    return param;
  };

  /** Reads statements into `target` until `}` (inside a block) or the end of the file. */
  const parseStatements = (target: JailConfItem[], block: { name: string; token: JailConfToken } | undefined): void => {
    for (;;) {
      const token = next(target);
      if (token.type === 'eof') {
        if (block) fail(token, `jail block "${block.name}" opened at line ${positionOf(block.token.start).line} is not closed`, "add '}'");
        return;
      }
      if (token.type === 'punct' && token.value === '}' && block) return;
      if (token.type === 'punct' && token.value === ';') continue;
      if (token.type !== 'string') {
        fail(token, `expected a parameter${block ? '' : ' or jail block'} but found ${describe(token)}`, 'quote values that contain special characters');
      }
      const head = token as StringToken;
      pushBlankIfAny(target, head);
      const at = target.length;
      insideStatement = true;
      inner = [];
      const follow = peek(target);
      let item: JailConfItem;
      if (follow.type === 'punct' && follow.value === '{') {
        const namePiece = readName(head, 'jail name');
        if (namePiece.kind === 'var') fail(head, 'a jail name cannot be a variable', 'write the name literally');
        next(target);
        insideStatement = false;
        const jail: JailConfJail = { kind: 'jail', name: (namePiece as { text: string }).text, items: [] };
        target.splice(at, 0, ...inner);
        blockBodies.add(jail.items);
        parseStatements(jail.items, { name: jail.name, token: head });
        item = jail;
        target.push(item);
        continue;
      }
      item = parseParam(head, target);
      insideStatement = false;
      target.splice(at, 0, ...inner);
      target.push(item);
    }
  };

  const items: JailConfItem[] = [];
  parseStatements(items, undefined);
  return { items };
}

function piecesToText(pieces: readonly JailConfPiece[]): string {
  return pieces.map((p) => (p.kind === 'text' ? p.text : `\${${p.name}}`)).join('');
}

function toValue(token: StringToken): { text: string; refs: JailConfVarRef[] } {
  let text = '';
  const refs: JailConfVarRef[] = [];
  for (const piece of token.pieces) {
    if (piece.kind === 'var') refs.push({ name: piece.name, offset: text.length });
    text += piece.kind === 'text' ? piece.text : `\${${piece.name}}`;
  }
  return { text, refs };
}
