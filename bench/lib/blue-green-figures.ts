/**
 * The figures of `npm run bench -- blue-green`, kept pure so they are tested
 * on fixed data (test/unit/bench-blue-green-figures.test.ts): what the run's
 * ledger events say about the switch and the drain of the old colour, when
 * the bench's own prober last reached the old colour after the switch (it
 * resolves the public name on every request and records the address), and
 * the issue's two goals stated, never asserted.
 */
import type { ProbeSample } from '../../shared/domain/probe-stats.ts';

/** `traffic.switched` as the engine records it: when the DNS update was read back, and both addresses. */
export interface SwitchFigures {
  atMs: number;
  /** The colour traffic went to. */
  to: string | null;
  /** The address the name pointed at before (the old colour's load balancer). */
  previous: string | null;
  /** The address it points at now. */
  now: string | null;
}

/** `traffic.drained`: the old colour's HAProxy counters read for TTL + grace after the switch. */
export interface DrainFigures {
  /** Switch to the old colour's last session, whole seconds (HAProxy's lastsess); null when HAProxy never saw one. */
  lastRequestAfterSwitchSeconds: number | null;
  sessionsAfterSwitch: number | null;
  /** The old colour still received a session in the last second of the wait. */
  stillReceiving: boolean | null;
  waitedSeconds: number | null;
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The switch from a `traffic.switched` event's data; null when its time is missing or unreadable. */
export function switchOf(data: Record<string, unknown>): SwitchFigures | null {
  const at = str(data['at']);
  const atMs = at === null ? NaN : Date.parse(at);
  if (!Number.isFinite(atMs)) return null;
  return { atMs, to: str(data['to']), previous: str(data['previous']), now: str(data['now']) };
}

/** The drain from a `traffic.drained` event's data (fields it lacks are null, not guessed). */
export function drainOf(data: Record<string, unknown>): DrainFigures {
  const still = data['stillReceiving'];
  return {
    lastRequestAfterSwitchSeconds: num(data['lastRequestAfterSwitchSeconds']),
    sessionsAfterSwitch: num(data['sessionsAfterSwitch']),
    stillReceiving: typeof still === 'boolean' ? still : null,
    waitedSeconds: num(data['waitedSeconds']),
  };
}

/**
 * The old colour's address: the one the switch event names, else the one the
 * last request before the switch resolved to (the name pointed there).
 */
export function oldAddress(samples: readonly ProbeSample[], sw: SwitchFigures): string | null {
  if (sw.previous) return sw.previous;
  const before = samples.filter((s) => s.atMs < sw.atMs && s.address !== null);
  return before.length ? before.reduce((a, s) => (s.atMs > a.atMs ? s : a)).address : null;
}

/** The client's view of the drain: requests started after the switch that still resolved to the old colour. */
export interface ClientDrain {
  address: string | null;
  /** Requests in [switch, end] that resolved to `address`. */
  requestsAfterSwitch: number;
  /** Start of the last of them (ISO), null when none. */
  lastAt: string | null;
  /** Switch to that request, ms; 0 when none reached the old colour after the switch. */
  lastAfterSwitchMs: number;
}

export function clientDrain(samples: readonly ProbeSample[], switchAtMs: number, endMs: number, address: string | null): ClientDrain {
  const onOld = address === null ? [] : samples.filter((s) => s.atMs >= switchAtMs && s.atMs <= endMs && s.address === address);
  const last = onOld.length ? Math.max(...onOld.map((s) => s.atMs)) : null;
  return { address, requestsAfterSwitch: onOld.length, lastAt: last === null ? null : new Date(last).toISOString(), lastAfterSwitchMs: last === null ? 0 : last - switchAtMs };
}

/** One goal of the issue, checked on this run's figures: a statement for the report, never an assertion. */
export interface Goal {
  met: boolean;
  statement: string;
}

export interface BlueGreenGoals {
  zeroFailed: Goal;
  onGreenWithin: Goal & { limitSeconds: number; seconds: number | null };
}

const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * "0 failed requests against recreate's downtime" and "all traffic on green
 * within TTL + 1 s of the switch". The time is the later of the two views
 * (blue's HAProxy counters, whole seconds; the prober's last request that
 * resolved to blue); a colour that still received requests at the end of the
 * drain, or no figure at all, does not meet it.
 */
export function blueGreenGoals(o: {
  failed: number;
  recreateFailed: number;
  recreateDowntimeMs: number | null;
  ttlSeconds: number;
  newColour: string;
  drain: DrainFigures | null;
  client: ClientDrain | null;
}): BlueGreenGoals {
  const down = o.recreateDowntimeMs === null ? 'no downtime' : `${s1(o.recreateDowntimeMs)} down`;
  const zeroFailed: Goal = {
    met: o.failed === 0,
    statement: `0 failed requests (recreate: ${o.recreateFailed} failed, ${down}): ${o.failed === 0 ? 'yes' : `no (${o.failed} failed)`}`,
  };
  const limitSeconds = o.ttlSeconds + 1;
  const views = [
    ...(o.drain?.lastRequestAfterSwitchSeconds != null ? [o.drain.lastRequestAfterSwitchSeconds] : []),
    ...(o.client?.address ? [o.client.lastAfterSwitchMs / 1000] : []),
  ];
  const seconds = views.length ? Math.max(...views) : null;
  const still = o.drain?.stillReceiving === true;
  const met = seconds !== null && !still && seconds <= limitSeconds;
  const detail = [
    o.drain?.lastRequestAfterSwitchSeconds != null ? `${o.drain.lastRequestAfterSwitchSeconds} s by the old colour's HAProxy counters` : 'no HAProxy figure',
    o.client?.address ? `${s1(o.client.lastAfterSwitchMs)} by the prober` : 'no prober figure',
    ...(still ? ['the old colour still received requests at the end of the drain'] : []),
  ].join('; ');
  return {
    zeroFailed,
    onGreenWithin: {
      met, limitSeconds, seconds,
      statement: `all traffic on ${o.newColour} within TTL + 1 s (${limitSeconds} s): ${met ? 'yes' : 'no'} (${seconds === null ? 'unknown' : `${seconds.toFixed(1)} s`}: ${detail})`,
    },
  };
}
