/**
 * Maintenance mode of a whole HAProxy backend, for a recreate upgrade: every
 * server out of rotation at once, so clients get HAProxy's own 503 (with the
 * `Retry-After` its config adds) instead of a refused connection or a request
 * stuck on a stopping node; then back, for each server once HAProxy has it
 * UP: at once when the caller has just seen it ready itself, else after
 * HAProxy's own health checks pass.
 *
 * Why per-server MAINT and not a config switch: it acts at once on the
 * running process through the same runtime API the rolling drain uses, and
 * HAProxy keeps it across reloads (server-state file), so a crashed engine
 * finds it again with `maintenanceState`. All three are idempotent.
 */
import { request as httpRequest } from 'node:http';
import { KeyturnError } from '../../shared/errors.ts';
import { pause } from './abortable-pause.ts';
import { disableServer, enableServer, setServerHealthUp, showServers, type HaproxyCallOptions, type HaproxyServer, type RuntimeApi } from './haproxy.ts';

/** What a client got from HAProxy's frontend: its answer, or why there was none. */
export type FrontendAnswer =
  | { answered: true; status: number; /** The `Retry-After` header, null when absent. */ retryAfter: string | null; /** First line of the body, at most 200 characters. */ message: string }
  | { answered: false; /** Node's error code (ECONNREFUSED, ETIMEDOUT, ...) or message. */ error: string };

export interface EnterMaintenanceOptions extends HaproxyCallOptions {
  /** HAProxy's frontend (e.g. http://127.0.10.100:8080/): asked once afterwards, so the caller can say what clients now see. */
  frontendUrl?: string;
}

export interface MaintenanceEntered {
  /** Every server of the backend, now all in maintenance. */
  servers: string[];
  /** Servers that were in maintenance before this call (an operator's choice, or an earlier attempt): leave them there afterwards if they were not yours. */
  alreadyInMaintenance: string[];
  /** The frontend's answer when `frontendUrl` was given. */
  frontend: FrontendAnswer | null;
}

const names = (servers: readonly HaproxyServer[]) => servers.map((s) => s.name);

function checkHttpUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new KeyturnError('invalid-input', `'${url}' is not a URL of HAProxy's frontend`, 'Give it as http://<address>:<port>/ (the `bind` of the frontend).');
  }
  if (u.protocol !== 'http:') throw new KeyturnError('invalid-input', `HAProxy's frontend is asked over plain HTTP; ${url} is ${u.protocol}`, 'Give the http:// address of the frontend (the `bind` line).');
  return u;
}

async function requireServers(api: RuntimeApi, backend: string, opts: HaproxyCallOptions): Promise<HaproxyServer[]> {
  const servers = await showServers(api, backend, opts);
  if (servers.length === 0) {
    throw new KeyturnError('not-found', `HAProxy backend '${backend}' at ${api} has no servers`, 'Check that the cluster spec names the backend that holds the Keycloak nodes (its `server` lines).');
  }
  return servers;
}

/**
 * Puts every server of `backend` in maintenance (MAINT) and confirms it with
 * `show servers state`. Calling it again is harmless. Sessions already on a
 * server keep running; no new request reaches any of them.
 */
export async function enterMaintenance(api: RuntimeApi, backend: string, opts: EnterMaintenanceOptions = {}): Promise<MaintenanceEntered> {
  const { frontendUrl, ...call } = opts;
  if (frontendUrl !== undefined) checkHttpUrl(frontendUrl); // refused before anything changes
  const before = await requireServers(api, backend, call);
  for (const s of before) if (s.adminState !== 'maint') await disableServer(api, backend, s.name, call);
  const after = await showServers(api, backend, call);
  const open = after.filter((s) => s.adminState !== 'maint');
  if (open.length > 0) {
    throw new KeyturnError(
      'tool-failed',
      `HAProxy at ${api} still has ${names(open).join(', ')} of backend '${backend}' in rotation after putting every server in maintenance`,
      `Something else changes server states at the same time (a reload, another console): check \`show servers state ${backend}\` and enter maintenance again.`,
    );
  }
  return {
    servers: names(after),
    alreadyInMaintenance: names(before.filter((s) => s.adminState === 'maint')),
    frontend: frontendUrl === undefined ? null : await probeFrontend(frontendUrl, call),
  };
}

export interface EndMaintenanceOptions {
  /** How long HAProxy's checks may take to see every server UP. */
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** Each poll's view of the servers being brought back (for progress). */
  onPoll?: (servers: HaproxyServer[]) => void;
  /**
   * Servers the caller has itself just seen answer ready: set UP at once
   * instead of after HAProxy's `rise` passing checks, which keep running.
   */
  provenReady?: readonly string[];
}

export interface MaintenanceEnded {
  /** The servers brought back, each plain UP. */
  servers: HaproxyServer[];
  /** Those set UP at once (proven ready by the caller); the others waited for HAProxy's own checks. */
  forcedUp: string[];
}

/** A server counts as back when HAProxy's own check says plain UP: "UP 1/2" right after leaving MAINT has not been checked yet. */
const isBack = (s: HaproxyServer) => s.adminState === 'ready' && s.operationalState === 'running' && s.status === 'UP';

/**
 * Takes `servers` out of maintenance, then waits until HAProxy reports each
 * one plain UP: at once for those in `provenReady` (their health is set UP,
 * so clients do not get the maintenance answer for `rise` more checks of a
 * node already seen ready), after its own checks for the others. On timeout
 * the servers stay ready (those UP serve, the others get no traffic from
 * HAProxy) and the error names each server that is not UP with its last
 * check; `enterMaintenance` closes again.
 */
export async function endMaintenance(api: RuntimeApi, backend: string, servers: readonly string[], { timeoutMs, intervalMs = 250, signal, onPoll, provenReady = [] }: EndMaintenanceOptions): Promise<MaintenanceEnded> {
  if (servers.length === 0) throw new KeyturnError('invalid-input', `No servers given to bring back into backend '${backend}'`, 'Pass the servers enterMaintenance put in maintenance.');
  const deadline = Date.now() + timeoutMs;
  const forcedUp: string[] = [];
  for (const name of servers) {
    await enableServer(api, backend, name, { signal });
    if (provenReady.includes(name) && (await setServerHealthUp(api, backend, name, { signal }))) forcedUp.push(name);
  }
  for (;;) {
    if (signal?.aborted) throw new KeyturnError('aborted', `Waiting for ${backend} to leave maintenance was cancelled`, 'The servers are ready; HAProxy sends traffic to those its checks see UP.');
    const all = await showServers(api, backend, { signal });
    const mine = servers.map((name) => all.find((s) => s.name === name));
    const missing = servers.filter((_, i) => !mine[i]);
    if (missing.length > 0) {
      throw new KeyturnError('not-found', `HAProxy backend '${backend}' at ${api} no longer has ${missing.join(', ')}`, 'The configuration changed during the upgrade; check the `server` lines of the backend.');
    }
    const present = mine as HaproxyServer[];
    onPoll?.(present);
    const notBack = present.filter((s) => !isBack(s));
    if (notBack.length === 0) return { servers: present, forcedUp };
    if (Date.now() >= deadline) {
      const why = notBack.map((s) => `${s.name} is ${s.adminState === 'ready' ? s.status : s.adminState.toUpperCase()}${s.lastCheck ? ` (last check: ${s.lastCheck})` : ''}`).join('; ');
      throw new KeyturnError(
        'timeout',
        `HAProxy's health checks did not see ${names(notBack).join(', ')} UP within ${timeoutMs} ms: ${why}`,
        "Check the node's /health/ready on its management port and its log; when it answers 200, end maintenance again, or enter maintenance to keep clients on the 503 answer.",
      );
    }
    await pause(Math.min(intervalMs, Math.max(0, deadline - Date.now())), signal);
  }
}

export interface MaintenanceState {
  /** `all`: every server in maintenance; `none`: none is; `partial`: a run stopped half-way in or out. */
  state: 'all' | 'none' | 'partial';
  inMaintenance: string[];
  notInMaintenance: string[];
}

/**
 * Where a backend stands, for reconciling after a crash: all servers (or
 * only `opts.servers`) in maintenance, none, or some.
 */
export async function maintenanceState(api: RuntimeApi, backend: string, opts: HaproxyCallOptions & { servers?: readonly string[] } = {}): Promise<MaintenanceState> {
  const { servers: only, ...call } = opts;
  let servers = await requireServers(api, backend, call);
  if (only) {
    const missing = only.filter((n) => !servers.some((s) => s.name === n));
    if (missing.length > 0) throw new KeyturnError('not-found', `HAProxy backend '${backend}' at ${api} has no server ${missing.join(', ')}`, 'Check that the node names match the `server` lines of the backend in haproxy.cfg.');
    servers = servers.filter((s) => only.includes(s.name));
  }
  const inMaintenance = names(servers.filter((s) => s.adminState === 'maint'));
  const notInMaintenance = names(servers.filter((s) => s.adminState !== 'maint'));
  return { state: notInMaintenance.length === 0 ? 'all' : inMaintenance.length === 0 ? 'none' : 'partial', inMaintenance, notInMaintenance };
}

/**
 * One GET to HAProxy's frontend, as a client would make it: the status, the
 * `Retry-After` header and the first line of the body, or the error when
 * nothing answered. Never throws for a failed request (that is the finding).
 */
export async function probeFrontend(url: string, { timeoutMs = 5000, signal }: HaproxyCallOptions = {}): Promise<FrontendAnswer> {
  const u = checkHttpUrl(url);
  return new Promise((resolve) => {
    const req = httpRequest(u, { method: 'GET', headers: { connection: 'close', accept: 'text/plain' }, timeout: timeoutMs, ...(signal ? { signal } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on('end', () => {
        const retry = res.headers['retry-after'];
        resolve({ answered: true, status: res.statusCode ?? 0, retryAfter: typeof retry === 'string' ? retry : null, message: (body.split('\n')[0] ?? '').slice(0, 200) });
      });
      res.on('error', (err: Error & { code?: string }) => resolve({ answered: false, error: err.code ?? err.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', (err: Error & { code?: string }) => resolve({ answered: false, error: err.code ?? err.message }));
    req.end();
  });
}
