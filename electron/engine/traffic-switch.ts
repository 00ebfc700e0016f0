/**
 * Where a cluster's clients go, read and changed through the one mechanism its
 * spec declares (`traffic`): an RFC 2136 update of the public name on the
 * cluster's DNS server, or one map entry on the front HAProxy. Blue/green's
 * switch, its switch back and the reconcile after a crash all come through
 * here, so "where does traffic point now" has a single answer.
 *
 * Idempotent, as engine steps must be: pointing at the colour traffic already
 * goes to changes nothing and says so. The TSIG key is read from its secret
 * reference at the moment of the update (a key file is handed to nsupdate as
 * it is; a key held in an environment variable is parsed and written to a
 * private temp file by the dns tool), never logged.
 */
import { isIP } from 'node:net';
import type { ClusterSpec } from '../../shared/contract/index.ts';
import type { ColourRecord } from '../../shared/contract/colours.ts';
import { KeyturnError } from '../../shared/errors.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { lastEventOfKind } from '../ledger/runs-repo.ts';
import { resolve, tsigAlgorithms, updateRecord, type TsigAlgorithm, type TsigKey } from '../tools/dns.ts';
import { readMapEntry, switchMapEntry } from '../tools/haproxy-switch.ts';
import { showServers } from '../tools/haproxy.ts';
import { resolveSecretRef } from '../services/secret-refs.ts';

/**
 * What traffic should reach: the colour's load balancer address (DNS), or
 * its backend on the front HAProxy. `via` is the colour's own load balancer:
 * the front's backend must send to it (and see it UP) before any request is
 * moved there.
 */
export type TrafficTarget = { kind: 'dns'; address: string } | { kind: 'haproxy'; backend: string; via?: { address: string; port: number } };

/** Where traffic goes to reach a colour: its load balancer's address by DNS, or its backend on the front HAProxy. */
export function colourTarget(spec: ClusterSpec, colour: Pick<ColourRecord, 'colour' | 'deployment'>): TrafficTarget {
  const t = spec.traffic;
  const lb = colour.deployment.loadBalancer;
  if (t.kind === 'dns') return { kind: 'dns', address: lb.address };
  return { kind: 'haproxy', backend: backendsOf(t)[colour.colour], via: { address: lb.address, port: lb.port } };
}

/** The colour `points` (what readTraffic answered) reaches, among `colours`, or null. */
export function colourAt<C extends Pick<ColourRecord, 'colour' | 'deployment'>>(spec: ClusterSpec, points: string | null, colours: readonly C[]): C | null {
  if (points === null) return null;
  const t = spec.traffic;
  return colours.find((c) => (t.kind === 'dns' ? c.deployment.loadBalancer.address === points : t.backends?.[c.colour] === points)) ?? null;
}

/** The front's backend of each colour; refused, saying what to add, when the cluster file names none. */
export function backendsOf(t: HaproxyTraffic): NonNullable<HaproxyTraffic['backends']> {
  if (!t.backends) {
    throw new KeyturnError('invalid-input', 'traffic.kind haproxy needs traffic.backends to switch colours.', "Set traffic.backends: { blue, green } to the front's backend of each colour (each sending to that colour's load balancer).");
  }
  return t.backends;
}

/**
 * Refuses to move traffic to a front backend that would fail it: the
 * backend must have a server HAProxy's own check sees UP, and, when the
 * colour's load balancer is given by address, a server that is that load
 * balancer (a front still pointing at last year's green would send clients
 * to whatever answers there).
 */
async function assertFrontServes(t: HaproxyTraffic, target: Extract<TrafficTarget, { kind: 'haproxy' }>, opts: { signal?: AbortSignal }): Promise<void> {
  const servers = await showServers(t.runtimeApi, target.backend, opts.signal ? { signal: opts.signal } : {});
  const via = target.via;
  const theLb = via && isIP(via.address) ? servers.filter((s) => s.address === via.address && s.port === via.port) : servers;
  if (via && isIP(via.address) && theLb.length === 0) {
    throw new KeyturnError('invalid-input', `The front HAProxy's backend '${target.backend}' does not send to ${via.address}:${via.port}, the load balancer of the colour it is to reach (it sends to ${servers.map((s) => `${s.address}:${s.port}`).join(', ') || 'no server'}).`,
      `Point a server of backend '${target.backend}' at ${via.address}:${via.port} in the front's haproxy.cfg and reload it, then resume. No traffic was moved.`);
  }
  if (!theLb.some((s) => (s.status.startsWith('UP') || s.status === 'no check') && s.adminState === 'ready')) {
    throw new KeyturnError('tool-failed', `The front HAProxy does not see backend '${target.backend}' UP (${theLb.map((s) => `${s.name} ${s.status}${s.lastCheck ? `, ${s.lastCheck}` : ''}`).join('; ') || 'no server'}): switching now would fail requests.`,
      `Check that the colour's load balancer answers the front's health check, then resume. No traffic was moved.`);
  }
}

/** What a switch did, read back from the DNS server or HAProxy afterwards. */
export interface TrafficSwitchResult {
  /** Where traffic pointed before (an address or a backend); null when nothing was recorded for the name. */
  previous: string | null;
  /** Where it points now, as read back. */
  now: string;
  /** False when it already pointed there (nothing was sent). */
  changed: boolean;
  /** When the change was confirmed (ISO time): the switch moment on the availability chart. */
  at: string;
  /** DNS: the record's TTL, the least time resolvers may keep sending clients to the previous address; null for HAProxy. */
  ttlSeconds: number | null;
}

type DnsTraffic = Extract<ClusterSpec['traffic'], { kind: 'dns' }>;
export type HaproxyTraffic = Extract<ClusterSpec['traffic'], { kind: 'haproxy' }>;

const KEY_RE = /key\s+"([^"]+)"\s*\{[^}]*?algorithm\s+([a-z0-9-]+)\s*;[^}]*?secret\s+"([^"]+)"\s*;/s;

/** A TSIG key in named.conf syntax (what `tsig-keygen` prints) as the dns tool takes it inline. */
export function parseTsigKey(text: string, what: string): TsigKey {
  const m = KEY_RE.exec(text);
  if (!m) throw new KeyturnError('invalid-input', `${what} does not hold a TSIG key in named.conf syntax.`, 'Give the key as `tsig-keygen` prints it: key "name" { algorithm hmac-sha256; secret "..."; };');
  const algorithm = m[2]!.toLowerCase();
  if (!(tsigAlgorithms as readonly string[]).includes(algorithm)) {
    throw new KeyturnError('invalid-input', `${what} uses TSIG algorithm ${algorithm}, which nsupdate does not take.`, `Use one of ${tsigAlgorithms.join(', ')}.`);
  }
  return { name: m[1]!, algorithm: algorithm as TsigAlgorithm, secret: m[3]! };
}

/** The zone an update goes to: the spec's, else the name without its first label. */
function zoneOf(t: DnsTraffic): string {
  if (t.zone) return t.zone;
  const dot = t.name.indexOf('.');
  if (dot < 0) throw new KeyturnError('invalid-input', `traffic.name '${t.name}' has no zone to update.`, 'Set traffic.zone to the zone the DNS server is primary for.');
  return t.name.slice(dot + 1);
}

async function signing(t: DnsTraffic): Promise<{ tsigKeyFile: string } | { tsig: TsigKey } | Record<string, never>> {
  if (!t.tsigKeyRef) return {};
  if ('file' in t.tsigKeyRef) return { tsigKeyFile: t.tsigKeyRef.file };
  return { tsig: parseTsigKey(await resolveSecretRef(t.tsigKeyRef, 'traffic.tsigKeyRef'), 'traffic.tsigKeyRef') };
}

function mapOf(t: HaproxyTraffic): string {
  if (!t.map) {
    throw new KeyturnError('invalid-input', 'traffic.kind haproxy needs traffic.map to switch colours.', 'Set traffic.map to the map file haproxy.cfg routes the host name with (use_backend %[req.hdr(host),lower,map(<file>,<default>)]).');
  }
  return t.map;
}

/** When run `runId` switched traffic (its last `traffic.switched` event: the switch's own time, else the event's), or null. */
export function switchedAtOf(db: Ledger, runId: string): string | null {
  const e = lastEventOfKind(db, runId, 'traffic.switched');
  if (!e) return null;
  return typeof e.data.at === 'string' ? e.data.at : e.at;
}

/** Where the public name sends clients now: the A record's address on the cluster's DNS server, or the front HAProxy's backend for the host. */
export async function readTraffic(spec: ClusterSpec, opts: { signal?: AbortSignal } = {}): Promise<string | null> {
  const t = spec.traffic;
  if (t.kind === 'dns') {
    const r = await resolve({ server: t.server, port: t.port, name: t.name, type: 'A', timeoutMs: 5000, ...(opts.signal ? { signal: opts.signal } : {}) });
    return r.status === 'ok' ? (r.values[0] ?? null) : null;
  }
  return readMapEntry(t.runtimeApi, mapOf(t), t.name.toLowerCase(), opts.signal ? { signal: opts.signal } : {});
}

/** Points the cluster's public name at `target` in one change, then reads it back. */
export async function pointTraffic(spec: ClusterSpec, target: TrafficTarget, opts: { signal?: AbortSignal } = {}): Promise<TrafficSwitchResult> {
  const t = spec.traffic;
  if (t.kind !== target.kind) {
    throw new KeyturnError('internal', `The cluster switches traffic by ${t.kind}, but the step names a ${target.kind} target.`, 'Abort the run and plan again.');
  }
  if (t.kind === 'dns' && target.kind === 'dns') {
    const previous = await readTraffic(spec, opts);
    if (previous !== target.address) {
      await updateRecord({ server: t.server, port: t.port, zone: zoneOf(t), name: t.name, type: 'A', value: target.address, ttl: t.ttl, timeoutMs: 10_000, ...(await signing(t)), ...(opts.signal ? { signal: opts.signal } : {}) });
    }
    const now = await readTraffic(spec, opts);
    if (now !== target.address) {
      throw new KeyturnError('tool-failed', `The DNS server ${t.server} accepted the update, but ${t.name} resolves to ${now ?? 'nothing'} instead of ${target.address}.`, 'Something else updates that name (another tool, a second primary); look at the zone and switch again.');
    }
    return { previous, now, changed: previous !== target.address, at: new Date().toISOString(), ttlSeconds: t.ttl };
  }
  if (t.kind === 'haproxy' && target.kind === 'haproxy') {
    const current = await readTraffic(spec, opts);
    if (current !== target.backend) await assertFrontServes(t, target, opts);
    const r = await switchMapEntry(t.runtimeApi, { map: mapOf(t), host: t.name.toLowerCase(), backend: target.backend }, opts.signal ? { signal: opts.signal } : {});
    return { previous: r.previous, now: r.backend, changed: r.changed, at: new Date().toISOString(), ttlSeconds: null };
  }
  throw new KeyturnError('internal', 'Unknown traffic kind.', 'Abort the run and plan again.');
}
