/**
 * One probe request: what a client of the cluster does, measured. Resolve
 * the public name through the cluster's DNS server (so a blue/green switch is
 * seen exactly when clients see it), refuse any address outside the
 * cluster's own networks (the prober must never load someone else's host),
 * then ask the token endpoint for a client-credentials token under one
 * deadline covering DNS and HTTP.
 *
 * Never throws: every outcome is a sample, failures carry a short reason
 * (`maintenance` for a 503 with Retry-After, `http-<status>`, `timeout`,
 * `refused`, `reset`, `dns`, ...).
 */
import { isIP, isIPv4 } from 'node:net';
import { KeyturnError } from '../../shared/errors.ts';
import type { ProbeSample } from '../ledger/probe-samples-repo.ts';
import { resolve } from '../tools/dns.ts';
import { requestViaDns, type DnsServer } from '../tools/http-via-dns.ts';

/** What to probe and with which credentials. */
export interface ProbeTarget {
  /** Token endpoint through the public name, e.g. http://sso.lab.test:8080/realms/lab/protocol/openid-connect/token. */
  url: string;
  /** The cluster's DNS server, which answers for the public name. */
  dns: DnsServer;
  clientId: string;
  /** Sent in the request body only; never recorded, logged or put in an event. */
  clientSecret: string;
  /** CIDRs the public name may resolve to (the lab: 127.0.0.0/8). Anything else is not requested. */
  allowedNetworks: readonly string[];
}

type Cidr = { kind: 4; base: number; mask: number } | { kind: 6; address: string };

function ipv4ToInt(a: string): number {
  return a.split('.').reduce((n, part) => (n * 256 + Number(part)) >>> 0, 0);
}

/** Parses `a.b.c.d/n` (or a bare IPv4/IPv6 address); throws `invalid-input` naming the bad entry. */
export function parseCidr(cidr: string): Cidr {
  const [addr = '', bits] = cidr.split('/');
  if (isIPv4(addr)) {
    const n = bits === undefined ? 32 : Number(bits);
    if (Number.isInteger(n) && n >= 0 && n <= 32) {
      const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
      return { kind: 4, base: (ipv4ToInt(addr) & mask) >>> 0, mask };
    }
  } else if (isIP(addr) === 6 && bits === undefined) {
    return { kind: 6, address: addr.toLowerCase() };
  }
  throw new KeyturnError('invalid-input', `"${cidr}" is not a network the prober understands.`, 'Give IPv4 networks as a.b.c.d/n (e.g. 127.0.0.0/8) or single addresses.');
}

/** Whether `address` lies in one of `networks`. */
export function inNetworks(address: string, networks: readonly Cidr[]): boolean {
  if (isIPv4(address)) {
    const a = ipv4ToInt(address);
    return networks.some((n) => n.kind === 4 && ((a & n.mask) >>> 0) === n.base);
  }
  return networks.some((n) => n.kind === 6 && n.address === address.toLowerCase());
}

/**
 * The reason for an HTTP answer that is not a token. A 503 with
 * `Retry-After` is a load balancer saying "closed, come back later" (HAProxy
 * in maintenance during a recreate): `maintenance`, counted apart from other
 * 503s so an announced outage is told from an accident. Everything else is
 * `http-<status>`, as before.
 */
export function httpFailureReason(status: number, headers: Readonly<Record<string, string | string[] | undefined>>): string {
  if (status === 503 && headers['retry-after'] !== undefined) return 'maintenance';
  return `http-${status}`;
}

/**
 * A short, stable reason for a request that got no HTTP answer (charts and
 * summaries group by it): `timeout` (no answer by the deadline), `refused`,
 * `reset`, `dns`, `dns-timeout`, `unreachable`, `other`.
 */
export function failureReason(err: unknown, deadlineHit: boolean): string {
  if (deadlineHit) return 'timeout';
  if (err instanceof KeyturnError) return err.code === 'timeout' ? 'dns-timeout' : 'dns';
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'ENOTFOUND':
      return 'dns';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    default:
      return /socket hang up/i.test((err as Error)?.message ?? '') ? 'reset' : 'other';
  }
}

/** A prepared target: parsed URL, networks and the request body, built once per prober. */
export interface PreparedTarget {
  url: URL;
  dns: DnsServer;
  networks: Cidr[];
  body: string;
}

export function prepareTarget(t: ProbeTarget): PreparedTarget {
  const url = new URL(t.url);
  if (url.protocol !== 'http:') throw new KeyturnError('invalid-input', `The prober speaks plain HTTP through the cluster's DNS; ${t.url} is ${url.protocol}.`, 'Use the http:// URL of the token endpoint.');
  if (t.allowedNetworks.length === 0) throw new KeyturnError('invalid-input', 'The prober was given no allowed networks.', "List the cluster's own networks (the lab: 127.0.0.0/8).");
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret }).toString();
  return { url, dns: t.dns, networks: t.allowedNetworks.map(parseCidr), body };
}

/** Makes one request and returns its sample. */
export async function probeOnce(t: PreparedTarget, timeoutMs: number): Promise<ProbeSample> {
  const atMs = Date.now();
  const started = performance.now();
  const deadline = new AbortController();
  let deadlineHit = false;
  const timer = setTimeout(() => {
    deadlineHit = true;
    deadline.abort();
  }, timeoutMs);
  let address: string | null = null;
  const sample = (ok: boolean, status: number | null, reason: string | null): ProbeSample => ({ atMs, ok, status, reason, latencyMs: Math.round((performance.now() - started) * 10) / 10, address });
  try {
    const host = t.url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      address = host;
    } else {
      const r = await resolve({ server: t.dns.server, port: t.dns.port, name: host, type: 'A', timeoutMs, signal: deadline.signal });
      address = r.values[0] ?? null;
      if (!address) return sample(false, null, 'dns');
    }
    if (!inNetworks(address, t.networks)) return sample(false, null, 'address-not-allowed');
    const direct = new URL(t.url);
    direct.hostname = address;
    const res = await requestViaDns(direct.toString(), t.dns, {
      method: 'POST',
      headers: { host: t.url.host, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: t.body,
      timeoutMs,
      signal: deadline.signal,
    });
    if (res.status === 200) return res.body.includes('"access_token"') ? sample(true, 200, null) : sample(false, 200, 'no-token');
    return sample(false, res.status, httpFailureReason(res.status, res.headers));
  } catch (err) {
    return sample(false, null, failureReason(err, deadlineHit));
  } finally {
    clearTimeout(timer);
  }
}
