import { UsageError } from '../errors.js';

/** A published port: host port on the external interface → port in the jail. */
export interface PublishedPort {
  hostPort: number;
  jailPort: number;
  proto: 'tcp' | 'udp';
}

/** `80:8080`, `80:8080/udp`, `53/udp` (same port both sides). */
export function parsePublish(text: string): PublishedPort {
  const match = /^(\d{1,5})(?::(\d{1,5}))?(?:\/(tcp|udp))?$/.exec(text.trim());
  const hostPort = Number(match?.[1]);
  const jailPort = match?.[2] === undefined ? hostPort : Number(match[2]);
  if (!match || hostPort < 1 || hostPort > 65535 || jailPort < 1 || jailPort > 65535) {
    throw new UsageError('E_NET_PUBLISH', `bad published port '${text}'; write host:jail[/tcp|udp], e.g. 80:8080/tcp`, { data: { value: text } });
  }
  return { hostPort, jailPort, proto: (match[3] as 'tcp' | 'udp' | undefined) ?? 'tcp' };
}
