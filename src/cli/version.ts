import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** jailbuild's own version from package.json (stamped on datasets it makes). */
export function version(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
