import { createRequire } from 'node:module';

let cached: string | undefined;

/** jailbuild's own version from package.json (stamped on datasets it makes), loaded by node's module loader. */
export function version(): string {
  cached ??= (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  return cached;
}
