/**
 * HAProxy runtime API client: take one node out of rotation, wait until it
 * holds no sessions, put it back.
 *
 * Why the runtime API and not a config reload: a reload starts new workers
 * and resets state; `set server <b>/<s> state maint|drain|ready` acts at once
 * on the running process, which is what a rolling upgrade needs. The API
 * answers one command per connection (non-interactive mode) with plain text:
 * an empty line on success, a sentence like "No such server." on failure.
 * Names are validated before they go into a command, since the API has no
 * quoting and `;` separates commands.
 */
import { createConnection, type Socket } from 'node:net';
import { KeyturnError } from '../../shared/errors.ts';
import { pause } from './abortable-pause.ts';

/** A unix socket path (`/run/haproxy/admin.sock`, `unix@/path`) or `host:port` (`ipv4@`, `[v6]:port`). */
export type RuntimeApi = string;

/** Every call is one short connection; these bound it. */
export interface HaproxyCallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type OperationalState = 'stopped' | 'starting' | 'running' | 'stopping';
export type AdminState = 'ready' | 'drain' | 'maint';

/** One `server` line of a backend as the running HAProxy sees it right now. */
export interface HaproxyServer {
  name: string;
  address: string;
  port: number;
  /** What health checks say (srv_op_state). A server in maintenance is reported as stopped. */
  operationalState: OperationalState;
  /** What operators set (srv_admin_state flags, forced or inherited). */
  adminState: AdminState;
  /** HAProxy's own summary from `show stat`: UP, DOWN, MAINT, DRAIN, NOLB, "UP 1/2", "no check", ... */
  status: string;
  /** Sessions currently on this server (`scur`). */
  currentSessions: number;
  /** Requests queued for this server (`qcur`); they are still served by it. */
  queuedRequests: number;
  /** Result code of HAProxy's last health check (`check_status`: L7OK, L4CON, L7STS, ...); empty while in maintenance or unchecked. */
  checkStatus: string;
  /** That check in words, to explain a server that is not UP: "L4CON Connection refused", "L7STS 503 HTTP status check returned code <503>". */
  lastCheck: string;
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const OP_STATES: readonly OperationalState[] = ['stopped', 'starting', 'running', 'stopping'];
// srv_admin_state bits (src/server.h): FMAINT 0x01, IMAINT 0x02, CMAINT 0x04, FDRAIN 0x08, IDRAIN 0x10, RMAINT 0x20, HMAINT 0x40
const MAINT_BITS = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
const DRAIN_BITS = 0x08 | 0x10;

/** A backend or server name as it may go into a runtime API command (which has no quoting): refused otherwise. */
export function checkName(kind: 'backend' | 'server', name: string): string {
  if (!NAME.test(name)) {
    throw new KeyturnError('invalid-input', `'${name}' is not a valid HAProxy ${kind} name`, `Use only letters, digits, '.', '_' and '-', exactly as in haproxy.cfg.`);
  }
  return name;
}

function connectTo(api: RuntimeApi): Socket {
  const spec = api.replace(/^(unix|ipv4|ipv6)@/, '');
  if (spec.startsWith('/') || spec.startsWith('./') || api.startsWith('unix@')) return createConnection({ path: spec });
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(spec);
  if (!match) {
    throw new KeyturnError('invalid-input', `'${api}' is not a HAProxy runtime API address`, 'Give the admin socket path (e.g. /run/haproxy/admin.sock) or host:port of a `stats socket` line.');
  }
  return createConnection({ host: match[1]!, port: Number(match[2]) });
}

/**
 * Sends one command and returns HAProxy's answer verbatim. The command must be
 * a single line without `;` (callers build it from validated names).
 */
export function haproxyCommand(api: RuntimeApi, command: string, { timeoutMs = 5000, signal }: HaproxyCallOptions = {}): Promise<string> {
  if (/[\r\n;\0]/.test(command)) {
    return Promise.reject(new KeyturnError('invalid-input', 'A HAProxy command may not contain line breaks or ;', 'Send one command per call.'));
  }
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new KeyturnError('aborted', `HAProxy command '${command}' was cancelled`, 'Nothing was sent; run it again when ready.'));
    let sock: Socket;
    try {
      sock = connectTo(api);
    } catch (err) {
      return reject(err);
    }
    let answer = '';
    let settled = false;
    const settle = (err: KeyturnError | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err) reject(err);
      else resolve(answer);
    };
    const onAbort = () => settle(new KeyturnError('aborted', `HAProxy command '${command}' was cancelled`, 'It may or may not have been applied; check with showServers.'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => settle(new KeyturnError('timeout', `HAProxy at ${api} did not answer '${command}' within ${timeoutMs} ms`, 'Check that HAProxy is running and not overloaded.')), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${command}\n`));
    sock.on('data', (chunk: string) => (answer += chunk));
    sock.on('end', () => settle(null));
    sock.on('error', (err: Error & { code?: string }) =>
      settle(
        new KeyturnError(
          'tool-failed',
          `Cannot reach the HAProxy runtime API at ${api}: ${err.code ?? err.message}`,
          err.code === 'EACCES'
            ? 'Keyturn may not open that socket: give its user access (the `mode`/`user`/`group` of the `stats socket` line).'
            : 'Check that HAProxy is running and that haproxy.cfg has a matching `stats socket ... level admin` line.',
        ),
      ),
    );
  });
}

/** Turns HAProxy's one-line complaints into errors a person can act on. */
function failure(api: string, command: string, answer: string, backend: string, server?: string): KeyturnError {
  const first = answer.trim().split('\n')[0] ?? '';
  if (/^(No such backend|Can't find backend)/i.test(first)) {
    return new KeyturnError('not-found', `HAProxy at ${api} has no backend '${backend}'`, 'Check the backend name in the cluster spec against haproxy.cfg.');
  }
  if (/^No such server/i.test(first)) {
    return new KeyturnError('not-found', `HAProxy backend '${backend}' at ${api} has no server '${server}'`, 'Check that the node names match the `server` lines of the backend in haproxy.cfg.');
  }
  if (/permission denied/i.test(first)) {
    return new KeyturnError('tool-failed', `HAProxy at ${api} refused '${command}': permission denied`, 'The runtime API socket must be opened with `level admin` in haproxy.cfg (`stats socket <path> level admin`).');
  }
  return new KeyturnError('tool-failed', `HAProxy at ${api} refused '${command}': ${first || 'no answer'}`, 'Run the same command with socat on the HAProxy host to see the full answer.');
}

/** Splits one CSV line as HAProxy writes it (fields with commas or quotes are double-quoted). */
function splitCsv(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** Rows of a header-first table (`# a b c` / `# a,b,c`) as records keyed by column name. */
function table(text: string, split: (line: string) => string[]): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const headerAt = lines.findIndex((l) => l.startsWith('# '));
  if (headerAt < 0) return [];
  const header = split(lines[headerAt]!.slice(2));
  return lines.slice(headerAt + 1).map((line) => Object.fromEntries(split(line).map((v, i) => [header[i] ?? `_${i}`, v])));
}

/**
 * Every `show stat` row of `backend` keyed by column name: one per server,
 * and its BACKEND row (`svname` BACKEND: the backend's own counters). Empty
 * when HAProxy has no such backend.
 */
export async function backendStat(api: RuntimeApi, backend: string, opts: HaproxyCallOptions = {}): Promise<Record<string, string>[]> {
  checkName('backend', backend);
  const command = 'show stat';
  const answer = await haproxyCommand(api, command, opts);
  if (!answer.startsWith('# pxname')) throw failure(api, command, answer, backend);
  return table(answer, splitCsv).filter((r) => r.pxname === backend && r.svname !== 'FRONTEND');
}

async function statRows(api: RuntimeApi, backend: string, opts: HaproxyCallOptions): Promise<Record<string, string>[]> {
  return (await backendStat(api, backend, opts)).filter((r) => r.svname !== 'BACKEND');
}

/** The servers of `backend` with health, admin state and live session counts. */
export async function showServers(api: RuntimeApi, backend: string, opts: HaproxyCallOptions = {}): Promise<HaproxyServer[]> {
  checkName('backend', backend);
  const command = `show servers state ${backend}`;
  const answer = await haproxyCommand(api, command, opts);
  // A good answer is a format version line ("1") followed by a "# be_id be_name ..." header.
  if (!/^\d+\n# be_id/.test(answer)) throw failure(api, command, answer, backend);
  const stats = new Map((await statRows(api, backend, opts)).map((r) => [r.svname, r]));
  return table(answer, (l) => l.trim().split(/\s+/))
    .filter((r) => r.be_name === backend)
    .map((r) => {
      const admin = Number(r.srv_admin_state);
      const stat = stats.get(r.srv_name ?? '');
      return {
        name: r.srv_name ?? '',
        address: r.srv_addr ?? '',
        port: Number(r.srv_port),
        operationalState: OP_STATES[Number(r.srv_op_state)] ?? 'stopped',
        adminState: admin & MAINT_BITS ? 'maint' : admin & DRAIN_BITS ? 'drain' : 'ready',
        status: stat?.status ?? 'unknown',
        currentSessions: Number(stat?.scur ?? 0),
        queuedRequests: Number(stat?.qcur ?? 0),
        checkStatus: (stat?.check_status ?? '').replace(/^\* ?/, ''),
        lastCheck: [stat?.check_status?.replace(/^\* ?/, ''), stat?.check_code, stat?.last_chk || stat?.check_desc].filter((x) => x).join(' '),
      };
    });
}

async function setState(api: RuntimeApi, backend: string, server: string, state: AdminState, opts: HaproxyCallOptions): Promise<void> {
  const command = `set server ${checkName('backend', backend)}/${checkName('server', server)} state ${state}`;
  const answer = await haproxyCommand(api, command, opts);
  if (answer.trim() !== '') throw failure(api, command, answer, backend, server);
}

/** Puts a server in maintenance: no new traffic, and HAProxy stops checking it. Existing sessions keep running. */
export function disableServer(api: RuntimeApi, backend: string, server: string, opts: HaproxyCallOptions = {}): Promise<void> {
  return setState(api, backend, server, 'maint', opts);
}

/** Puts a server back in rotation (clears maintenance and drain). */
export function enableServer(api: RuntimeApi, backend: string, server: string, opts: HaproxyCallOptions = {}): Promise<void> {
  return setState(api, backend, server, 'ready', opts);
}

/**
 * Sets a server's health to UP at once, as `set server <b>/<s> health up`
 * does, instead of waiting for `rise` passing checks (with HAProxy's default
 * `inter 2s rise 2`, four seconds of every client answered 503 after a
 * recreate). Only for a server the caller has just seen ready itself:
 * HAProxy keeps checking it and takes it out again after `fall` failures.
 * Returns false for a server that tracks another one's checks (`track`):
 * HAProxy refuses to set its health, and it follows the tracked server.
 */
export async function setServerHealthUp(api: RuntimeApi, backend: string, server: string, opts: HaproxyCallOptions = {}): Promise<boolean> {
  const command = `set server ${checkName('backend', backend)}/${checkName('server', server)} health up`;
  const answer = (await haproxyCommand(api, command, opts)).trim();
  if (answer === '') return true;
  if (/tracking server/i.test(answer)) return false;
  throw failure(api, command, answer, backend, server);
}

/** Stops sending new sessions to a server while it keeps serving the ones it has (and sticky clients). */
export function drainServer(api: RuntimeApi, backend: string, server: string, opts: HaproxyCallOptions = {}): Promise<void> {
  return setState(api, backend, server, 'drain', opts);
}

export interface WaitForNoSessionsOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  onPoll?: (sessions: number) => void;
}

/**
 * Waits until a drained or disabled server holds no sessions and no queued
 * requests, so stopping it cuts nobody off. Polls `show stat`.
 */
export async function waitForNoSessions(api: RuntimeApi, backend: string, server: string, { timeoutMs, intervalMs = 250, signal, onPoll }: WaitForNoSessionsOptions): Promise<void> {
  checkName('backend', backend);
  checkName('server', server);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new KeyturnError('aborted', `Waiting for ${backend}/${server} to drain was cancelled`, 'The server stays in its current state; enable it again if needed.');
    const row = (await statRows(api, backend, { signal })).find((r) => r.svname === server);
    if (!row) throw failure(api, 'show stat', 'No such server.', backend, server);
    const sessions = Number(row.scur ?? 0) + Number(row.qcur ?? 0);
    onPoll?.(sessions);
    if (sessions === 0) return;
    if (Date.now() >= deadline) {
      throw new KeyturnError('timeout', `${backend}/${server} still has ${sessions} session(s) after ${timeoutMs} ms`, 'Long-lived connections may be holding it; wait longer, or accept cutting them off by stopping the node anyway.');
    }
    await pause(Math.min(intervalMs, Math.max(0, deadline - Date.now())), signal);
  }
}

// Maintenance of a whole backend (recreate) is its own module; re-exported so callers have one HAProxy entry point.
