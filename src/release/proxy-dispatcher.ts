/**
 * Proxy choice from HTTP_PROXY / HTTPS_PROXY / NO_PROXY (lower-case names
 * first, as curl does). A variable that is set but empty means "no proxy" and
 * stops the search: undici's EnvHttpProxyAgent instead falls back from an
 * empty HTTPS_PROXY to HTTP_PROXY, which is why the choice is made here.
 */
import { ProxyAgent, interceptors, type Dispatcher } from 'undici';

export interface ProxyEnv {
  /** Proxy for http:// URLs; undefined = direct. */
  httpProxy?: string;
  /** Proxy for https:// URLs; undefined = direct. */
  httpsProxy?: string;
  /** NO_PROXY as given: host names, `.domain` suffixes, `host:port`, or `*`. */
  noProxy?: string;
}

function pick(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  for (const key of [name.toLowerCase(), name.toUpperCase()]) {
    const value = env[key];
    if (value !== undefined) return value.trim() === '' ? undefined : value.trim();
  }
  return undefined;
}

export function readProxyEnv(env: Readonly<Record<string, string | undefined>> = process.env): ProxyEnv {
  const result: ProxyEnv = {};
  const httpProxy = pick(env, 'http_proxy');
  const httpsProxy = pick(env, 'https_proxy');
  const noProxy = pick(env, 'no_proxy');
  if (httpProxy !== undefined) result.httpProxy = httpProxy;
  if (httpsProxy !== undefined) result.httpsProxy = httpsProxy;
  if (noProxy !== undefined) result.noProxy = noProxy;
  return result;
}

const defaultPorts: Record<string, number> = { 'http:': 80, 'https:': 443 };

function bypassed(url: URL, noProxy: string | undefined): boolean {
  if (noProxy === undefined) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port === '' ? defaultPorts[url.protocol] : Number(url.port);
  for (const raw of noProxy.split(/[,\s]+/)) {
    if (raw === '') continue;
    if (raw === '*') return true;
    let entry = raw.toLowerCase().replace(/^\*?\./, '');
    let entryPort: number | undefined;
    // host:port or [v6]:port; a bare IPv6 address (several colons, no brackets) has no port.
    const portMatch = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (portMatch !== null) {
      entry = portMatch[1] as string;
      entryPort = Number(portMatch[2]);
    }
    const entryHost = entry.replace(/^\[|\]$/g, '');
    if (entryPort !== undefined && entryPort !== port) continue;
    if (host === entryHost || host.endsWith(`.${entryHost}`)) return true;
  }
  return false;
}

/** The proxy URL to use for `url`, or undefined for a direct connection. */
export function proxyFor(url: URL, proxy: ProxyEnv): string | undefined {
  const chosen = url.protocol === 'https:' ? proxy.httpsProxy : url.protocol === 'http:' ? proxy.httpProxy : undefined;
  if (chosen === undefined || bypassed(url, proxy.noProxy)) return undefined;
  return chosen;
}

export interface ProxyDispatchers {
  /**
   * The proxy's dispatcher for one URL, following up to 5 redirects; undefined
   * when the URL is reached directly (the http source then uses node:http).
   */
  dispatcherFor(url: URL): Dispatcher | undefined;
  /** Closes every connection opened; call once when done. */
  close(): Promise<void>;
}

export function createProxyDispatchers(env: Readonly<Record<string, string | undefined>> = process.env): ProxyDispatchers {
  const proxy = readProxyEnv(env);
  const agents = new Map<string, Dispatcher>();
  const composed = new Map<string, Dispatcher>();
  const redirect = interceptors.redirect({ maxRedirections: 5 });
  return {
    dispatcherFor(url) {
      const key = proxyFor(url, proxy);
      if (key === undefined) return undefined;
      let dispatcher = composed.get(key);
      if (dispatcher === undefined) {
        const agent = new ProxyAgent(key);
        agents.set(key, agent);
        dispatcher = agent.compose(redirect);
        composed.set(key, dispatcher);
      }
      return dispatcher;
    },
    async close() {
      await Promise.all([...agents.values()].map((a) => a.close()));
      agents.clear();
      composed.clear();
    },
  };
}
