import type { ParseJailConfOptions } from './parse-jail-conf.js';
import { parseJailConf } from './parse-jail-conf.js';
import { quoteJailConfString } from './quote-jail-conf-string.js';

/**
 * Makes the host's main jail.conf include `pattern` (e.g.
 * `/etc/jail.conf.d/*.conf`) without touching anything else: when a
 * top-level `.include` of exactly that pattern is already there the text comes
 * back unchanged (byte for byte); otherwise one line is appended. A commented
 * out include does not count. A file jailbuild cannot parse is refused
 * (`E_JAILCONF_PARSE`) rather than edited blindly.
 */
export function ensureInclude(text: string, pattern: string, options: ParseJailConfOptions = {}): string {
  const file = parseJailConf(text, options);
  if (file.items.some((item) => item.kind === 'include' && item.pattern === pattern)) return text;
  const line = `.include ${quoteJailConfString(pattern, [], '.include pattern')};\n`;
  if (text === '') return line;
  return `${text}${text.endsWith('\n') ? '' : '\n'}${line}`;
}
