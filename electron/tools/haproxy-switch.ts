/**
 * The blue/green traffic switch on a front HAProxy: one map entry, changed
 * through the runtime API, decides which backend (colour) a host name goes to.
 *
 * Why a map entry and not server by server: the front's config routes with
 * `use_backend %[req.hdr(host),lower,map(<file>,<default>)]`, so `set map`
 * moves every new request of that host to the other backend in one step,
 * while requests already running finish where they are. Nothing is reloaded,
 * so no connection is dropped. The change lives in the running process only:
 * whoever owns haproxy.cfg writes the same value to the map file so a reload
 * keeps it (the lab's Terraform does).
 *
 * Every name goes into a command, and the runtime API has no quoting: map,
 * key and backend are validated first, and `haproxyCommand` refuses `;` and
 * line breaks as a second guard.
 */
import { KeyturnError } from '../../shared/errors.ts';
import { backendStat, checkName, haproxyCommand, type HaproxyCallOptions, type RuntimeApi } from './haproxy.ts';

/** A map as the config names it: its file path, or `#<id>` from `show map`. */
const MAP = /^(#\d{1,9}|\/[A-Za-z0-9_./-]{1,4000})$/;
/** A host name as the `lower` converter leaves it, with an optional port (Host headers carry one off the default port). */
const HOST = /^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*(:\d{1,5})?$/;

/** Where a switch points a host name. */
export interface MapSwitch {
  /** The map file as referenced in haproxy.cfg (`/etc/haproxy/hosts.map`) or `#<id>`. */
  map: string;
  /** The key: the host name clients send, lower-case (`sso.example`). */
  host: string;
  /** The backend that should receive that host's requests (`green`). */
  backend: string;
}

/** What a switch did, read back from HAProxy after the change. */
export interface MapSwitchResult extends MapSwitch {
  /** The backend the host pointed at before; null when the map had no entry (traffic went to the map's default). */
  previous: string | null;
  /** False when the entry already named `backend` (nothing was sent): switching is idempotent, as engine steps must be. */
  changed: boolean;
}

/** How recently a backend received traffic, from HAProxy's own counters. */
export interface BackendActivity {
  backend: string;
  /** Seconds since HAProxy last assigned a session to this backend; null when it never has since start. */
  secondsSinceLastSession: number | null;
  /** Sessions the backend received since HAProxy started (`stot`), to tell "still quiet" from "counter reset". */
  totalSessions: number;
  /** Sessions on it right now (`scur`). */
  currentSessions: number;
}

function check(kind: string, value: string, re: RegExp, hint: string): string {
  if (!re.test(value)) throw new KeyturnError('invalid-input', `'${value}' is not a valid HAProxy ${kind}`, hint);
  return value;
}

function checkSwitch({ map, host, backend }: MapSwitch): void {
  check('map', map, MAP, 'Give the map file exactly as haproxy.cfg references it (an absolute path of letters, digits, ".", "_", "/" and "-"), or #<id> from `show map`.');
  check('host name', host, HOST, 'Give the host name clients send, in lower case (the config looks it up after `lower`), e.g. sso.example, optionally with :port.');
  checkName('backend', backend);
}

function refused(api: RuntimeApi, command: string, answer: string, map: string): KeyturnError {
  const first = answer.trim().split('\n')[0] ?? '';
  if (/^Unknown map identifier/i.test(first)) {
    return new KeyturnError('not-found', `HAProxy at ${api} has no map '${map}'`, 'The map must be loaded by haproxy.cfg (`map(<file>,<default>)` in a use_backend line); use the same path, or its #<id> from `show map`.');
  }
  if (/permission denied/i.test(first)) {
    return new KeyturnError('tool-failed', `HAProxy at ${api} refused '${command}': permission denied`, 'Changing a map needs the runtime API at `level admin` (`stats socket <path> level admin`).');
  }
  return new KeyturnError('tool-failed', `HAProxy at ${api} refused '${command}': ${first || 'no answer'}`, 'Run the same command on the HAProxy host (socat) to see the full answer.');
}

/**
 * The value `host` maps to in the running HAProxy, or null when the map has
 * no entry for it. Reads `show map`, an exact key listing, rather than
 * `get map`, which matches like a request would.
 */
export async function readMapEntry(api: RuntimeApi, map: string, host: string, opts: HaproxyCallOptions = {}): Promise<string | null> {
  checkSwitch({ map, host, backend: 'x' });
  const command = `show map ${map}`;
  const answer = await haproxyCommand(api, command, opts);
  const lines = answer.split('\n').filter((l) => l.trim() !== '');
  // Each entry is "<ref> <key> <value>"; anything else is a complaint.
  const entries = lines.map((l) => /^(0x[0-9a-f]+|\d+)\s+(\S+)\s+(.*)$/i.exec(l));
  const bad = entries.findIndex((e) => e === null);
  if (bad >= 0) throw refused(api, command, lines[bad] ?? '', map);
  const values = entries.filter((e) => e![2] === host).map((e) => e![3]!.trim());
  // A key added twice answers with its first entry in a lookup; `set map` changes them all, so any difference is worth saying.
  if (new Set(values).size > 1) {
    throw new KeyturnError('conflict', `Map ${map} at ${api} holds ${values.length} entries for '${host}' (${values.join(', ')})`, `Remove the extra entries (del map ${map} ${host}) or fix the map file, then switch again.`);
  }
  return values[0] ?? null;
}

/** The backends the running HAProxy knows (`show backend`). */
export async function listBackends(api: RuntimeApi, opts: HaproxyCallOptions = {}): Promise<string[]> {
  const answer = await haproxyCommand(api, 'show backend', opts);
  if (!answer.startsWith('# name')) throw refused(api, 'show backend', answer, '');
  return answer.split('\n').slice(1).map((l) => l.trim()).filter((l) => l !== '');
}

/**
 * Points `host` at `backend` in one `set map` (or `add map` when the map has
 * no entry yet), then reads it back. Refuses a backend HAProxy does not have
 * before changing anything: the lookup would silently fall to the default.
 */
export async function switchMapEntry(api: RuntimeApi, target: MapSwitch, opts: HaproxyCallOptions = {}): Promise<MapSwitchResult> {
  checkSwitch(target);
  const { map, host, backend } = target;
  const backends = await listBackends(api, opts);
  if (!backends.includes(backend)) {
    throw new KeyturnError('not-found', `HAProxy at ${api} has no backend '${backend}' (it has: ${backends.join(', ') || 'none'})`, 'Add the backend to haproxy.cfg and reload HAProxy before switching traffic to it.');
  }
  const previous = await readMapEntry(api, map, host, opts);
  if (previous === backend) return { ...target, previous, changed: false };
  const command = `${previous === null ? 'add' : 'set'} map ${map} ${host} ${backend}`;
  const answer = await haproxyCommand(api, command, opts);
  if (answer.trim() !== '') throw refused(api, command, answer, map);
  const now = await readMapEntry(api, map, host, opts);
  if (now !== backend) {
    throw new KeyturnError('tool-failed', `HAProxy at ${api} accepted '${command}' but ${map} maps '${host}' to ${now ?? 'nothing'}`, 'Something else changed the map at the same time; read it with `show map` and switch again.');
  }
  return { ...target, previous, changed: true };
}

/**
 * How long ago `backend` last received a session, and how many it had, from
 * the BACKEND row of `show stat` (`lastsess`, `stot`, `scur`): after a
 * switch, the engine reports "all traffic on green after x s" from blue's.
 */
export async function lastRequestAge(api: RuntimeApi, backend: string, opts: HaproxyCallOptions = {}): Promise<BackendActivity> {
  const row = (await backendStat(api, backend, opts)).find((r) => r.svname === 'BACKEND');
  if (!row) throw new KeyturnError('not-found', `HAProxy at ${api} has no backend '${backend}'`, 'Check the backend name against haproxy.cfg (`show backend` lists them).');
  const seconds = /^\d+$/.test(row.lastsess ?? '') ? Number(row.lastsess) : null;
  return { backend, secondsSinceLastSession: seconds, totalSessions: Number(row.stot ?? 0), currentSessions: Number(row.scur ?? 0) };
}
