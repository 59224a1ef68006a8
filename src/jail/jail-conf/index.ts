export type {
  JailConfBlank,
  JailConfBodyItem,
  JailConfComment,
  JailConfFile,
  JailConfInclude,
  JailConfItem,
  JailConfJail,
  JailConfParam,
  JailConfVarRef,
} from './jail-conf-model.js';
export { JailConfParseError, jailConfValueError } from './jail-conf-error.js';
export type { JailConfPosition } from './jail-conf-error.js';
export { lexJailConf } from './lex-jail-conf.js';
export type { JailConfPiece, JailConfToken, LexedJailConf } from './lex-jail-conf.js';
export { parseJailConf, positionOfInclude } from './parse-jail-conf.js';
export { loadJailConf, MAX_INCLUDE_DEPTH } from './load-jail-conf.js';
export type { ParseJailConfOptions } from './parse-jail-conf.js';
export { quoteJailConfString, formatJailConfName, formatJailConfVariable } from './quote-jail-conf-string.js';
export { writeJailConf, formatParam } from './write-jail-conf.js';
export { renderJailBlock } from './render-jail-block.js';
export { expandJailParams, jailParamNamesEqual } from './expand-jail-params.js';
export type { UnexpandedJailParam } from './expand-jail-params.js';
export {
  collectJailConfParams,
  isWildcardJailName,
  listJailConfJails,
  matchesJailName,
  resolveJailParams,
} from './resolve-jail-params.js';
export { ensureInclude } from './ensure-include.js';
