import { UsageError } from '../errors.js';

/** IFNAMSIZ is 16 on FreeBSD including the terminating NUL. */
export const MAX_INTERFACE_NAME = 15;

/**
 * Refuses interface names FreeBSD cannot hold: longer than 15 characters
 * (ifconfig would fail only when the jail starts), or with characters that
 * rc.conf variable names and ngctl paths cannot carry.
 */
export function checkInterfaceName(name: string, what = 'interface'): string {
  if (name.length > MAX_INTERFACE_NAME) {
    throw new UsageError(
      'E_NET_IFNAME_TOO_LONG',
      `${what} name '${name}' has ${name.length} characters; FreeBSD allows at most ${MAX_INTERFACE_NAME} (IFNAMSIZ 16), choose a shorter name`,
      { data: { name, length: name.length, max: MAX_INTERFACE_NAME } },
    );
  }
  if (!/^[A-Za-z][A-Za-z0-9_.]*$/.test(name)) {
    throw new UsageError('E_NET_IFNAME', `${what} name '${name}' is not a valid interface name; use letters, digits, '_' and '.', starting with a letter`, {
      data: { name },
    });
  }
  return name;
}
