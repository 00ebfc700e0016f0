/**
 * HTTP requests to a cluster's public name, resolved through the cluster's
 * own DNS server rather than the system resolver: what a client sees after a
 * DNS switch, without touching /etc/hosts. Used by the lab's verification and
 * the availability prober.
 */
import { request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { KeyturnError } from '../../shared/errors.ts';
import { resolve as resolveDns } from './dns.ts';

export interface DnsServer {
  server: string;
  port: number;
}

export interface HttpResult {
  status: number;
  /** Response headers, names lower-cased (the prober reads `retry-after`). */
  headers: IncomingHttpHeaders;
  body: string;
  /** The address the name resolved to for this request. */
  address: string;
  durationMs: number;
}

/** A lookup function for node:http that asks `dns` instead of the system resolver. */
export function lookupVia(dns: DnsServer): LookupFunction {
  return (hostname, options, callback) => {
    const done = callback as unknown as (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
    if (isIP(hostname)) {
      if (all) done(null, [{ address: hostname, family: isIP(hostname) }]);
      else done(null, hostname, isIP(hostname));
      return;
    }
    resolveDns({ server: dns.server, port: dns.port, name: hostname, type: 'A', timeoutMs: 2000 })
      .then((r) => {
        const address = r.values[0];
        if (!address) {
          const err = Object.assign(new Error(`${hostname} has no A record on ${dns.server}:${dns.port}`), { code: 'ENOTFOUND' });
          done(err, '', 4);
          return;
        }
        if (all) done(null, r.values.map((a) => ({ address: a, family: 4 })));
        else done(null, address, 4);
      })
      .catch((err: unknown) => done(Object.assign(new Error((err as Error).message), { code: 'ENOTFOUND' }), '', 4));
  };
}

/** One HTTP request to `url`, its host resolved through `dns`. No connection reuse, so every request sees the current record. */
export function requestViaDns(
  url: string,
  dns: DnsServer,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<HttpResult> {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new KeyturnError('invalid-input', `Only http:// URLs can be probed through a lab DNS server, not ${u.protocol}.`, 'Use the http URL of the cluster.');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let address = '';
    const req = httpRequest(
      {
        protocol: u.protocol,
        hostname: u.hostname,
        port: u.port || 80,
        path: `${u.pathname}${u.search}`,
        method: init.method ?? 'GET',
        headers: { ...(init.headers ?? {}), connection: 'close' },
        lookup: lookupVia(dns),
        agent: new Agent({ keepAlive: false }),
        timeout: init.timeoutMs ?? 5000,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), address, durationMs: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('socket', (s) => s.on('lookup', (_e: unknown, a: string) => (address = a)));
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer from ${u.host} within ${init.timeoutMs ?? 5000} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    if (init.body) req.write(init.body);
    req.end();
  });
}
