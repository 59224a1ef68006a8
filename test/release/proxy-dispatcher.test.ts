import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyFor, readProxyEnv } from '../../src/release/proxy-dispatcher.js';

test('readProxyEnv: lower case first; set-but-empty means no proxy and stops the search', () => {
  const cases: [Record<string, string>, ReturnType<typeof readProxyEnv>][] = [
    [{}, {}],
    [{ HTTP_PROXY: 'http://p:3128' }, { httpProxy: 'http://p:3128' }],
    [{ http_proxy: 'http://a:1', HTTP_PROXY: 'http://b:2' }, { httpProxy: 'http://a:1' }],
    [{ http_proxy: '', HTTP_PROXY: 'http://b:2' }, {}],
    [{ HTTP_PROXY: '  ' }, {}],
    // no fallback from https to http: undici's EnvHttpProxyAgent would proxy https here
    [{ HTTP_PROXY: 'http://p:3128', HTTPS_PROXY: '' }, { httpProxy: 'http://p:3128' }],
    [{ https_proxy: 'http://s:1', no_proxy: 'localhost,.internal' }, { httpsProxy: 'http://s:1', noProxy: 'localhost,.internal' }],
  ];
  for (const [env, expected] of cases) assert.deepEqual(readProxyEnv(env), expected, JSON.stringify(env));
});

test('proxyFor picks by protocol and honours NO_PROXY hosts, suffixes, ports and *', () => {
  const proxy = { httpProxy: 'http://hp:1', httpsProxy: 'http://sp:2' };
  const cases: [string, string | undefined, string | undefined][] = [
    ['http://download.freebsd.org/', undefined, 'http://hp:1'],
    ['https://download.freebsd.org/', undefined, 'http://sp:2'],
    ['file:///srv/mirror/', undefined, undefined],
    ['https://download.freebsd.org/', 'freebsd.org', undefined],
    ['https://download.freebsd.org/', '.freebsd.org', undefined],
    ['https://download.freebsd.org/', '*.freebsd.org', undefined],
    // a suffix match needs a dot boundary
    ['https://notfreebsd.org/', 'freebsd.org', 'http://sp:2'],
    ['https://download.freebsd.org/', 'download.freebsd.org:8443', 'http://sp:2'],
    ['https://download.freebsd.org/', 'download.freebsd.org:443', undefined],
    ['http://127.0.0.1:8080/', '127.0.0.1', undefined],
    ['http://[::1]:8080/', '::1', undefined],
    ['http://mirror.example/', '*', undefined],
    ['http://mirror.example/', 'a.example, b.example', 'http://hp:1'],
  ];
  for (const [url, noProxy, expected] of cases) {
    assert.equal(proxyFor(new URL(url), noProxy === undefined ? proxy : { ...proxy, noProxy }), expected, `${url} NO_PROXY=${noProxy}`);
  }
});
