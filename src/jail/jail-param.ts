/**
 * One parameter line of a jail.conf jail block, as data. Writers quote and
 * escape values; nothing ever builds jail.conf text by concatenation.
 *
 *   { name: 'exec.clean' }                               → exec.clean;
 *   { name: 'host.hostname', value: 'web1' }             → host.hostname = "web1";
 *   { name: 'ip4.addr', value: 'lo1|127.0.1.2/32', append: true } → ip4.addr += "lo1|127.0.1.2/32";
 */
export interface JailParam {
  name: string;
  /** Absent for boolean parameters written bare (`persist;`, `vnet;`). */
  value?: string | string[];
  /** `+=`: append to a list parameter instead of setting it. @default false */
  append?: boolean;
}
