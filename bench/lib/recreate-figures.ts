/**
 * The figures of `npm run bench -- recreate`, kept pure so they are tested on
 * fixed data (test/unit/bench-recreate-figures.test.ts): the downtime each
 * side caused as one shared prober saw it, the first node's start-to-ready
 * (the physical limit of any recreate: the migration runs there), and the
 * ratios the issue sets goals on.
 */
import { maintenanceWindow, type ProbeSample } from '../../shared/domain/probe-stats.ts';
import type { Span } from './lab-measure.ts';

/** Keyturn's downtime may be at most this many times the limit (issue 11). */
export const LIMIT_GOAL = 1.1;

/** One /health/ready answer of a node: when it was asked, and whether it said UP. */
export interface ReadyAnswer {
  at: number;
  up: boolean;
}

/** The outage of one side, from the shared prober's samples in that side's time span. */
export interface SideOutage {
  requests: number;
  failed: number;
  /** First to last failed request, ms (what Keyturn's `downtime.measuredSeconds` measures); null when nothing failed. */
  downtimeMs: number | null;
  firstFailedAt: string | null;
  lastFailedAt: string | null;
  /** The longest it can have been: last success before the first failure to the first success after the last one; null when either is missing. */
  boundMs: number | null;
  /** Failed requests answered with HAProxy's maintenance 503 (with Retry-After). */
  maintenanceAnswers: number;
  /** Every other failure by reason (`refused`, `timeout`, `http-503` without Retry-After, ...). */
  otherFailures: Record<string, number>;
  /** Successful requests between the first and the last failure (more than 0: the outage came and went). */
  okInside: number;
  /** A request succeeded after the last failure: the cluster served again before the side's span ended. */
  servedAgain: boolean;
}

/** The outage the prober saw between `fromMs` and `toMs` (request start times, both included). */
export function sideOutage(samples: readonly ProbeSample[], fromMs: number, toMs: number): SideOutage {
  const mine = samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs);
  const w = maintenanceWindow(mine);
  return {
    requests: mine.length,
    failed: mine.filter((s) => !s.ok).length,
    downtimeMs: w ? w.endMs - w.startMs : null,
    firstFailedAt: w ? new Date(w.startMs).toISOString() : null,
    lastFailedAt: w ? new Date(w.endMs).toISOString() : null,
    boundMs: w && w.lastOkBeforeMs !== null && w.firstOkAfterMs !== null ? w.firstOkAfterMs - w.lastOkBeforeMs : null,
    maintenanceAnswers: w?.maintenanceAnswers ?? 0,
    otherFailures: w?.otherFailures ?? {},
    okInside: w?.okInside ?? 0,
    servedAgain: w ? w.firstOkAfterMs !== null : mine.some((s) => s.ok),
  };
}

/** When a node's Keycloak start began (its start task, or the engine's step that runs it). */
export interface NodeStart {
  node: string;
  at: number;
}

/** The first node's start-to-ready: the earliest start to the first UP any started node answered after its own start. */
export interface StartToReady {
  /** The node that answered ready first (it ran the migration). */
  node: string;
  startAt: string;
  readyAt: string;
  ms: number;
}

/**
 * The first node's start-to-ready, migration included: from the earliest
 * start of any node to the first /health/ready UP of a node after its own
 * start. A node started later cannot be ready before the first one has
 * migrated, so this is the time the first start took; null when no node
 * answered ready after starting.
 */
export function firstStartToReady(starts: readonly NodeStart[], ready: ReadonlyMap<string, readonly ReadyAnswer[]>): StartToReady | null {
  if (starts.length === 0) return null;
  const first = Math.min(...starts.map((s) => s.at));
  let best: { node: string; at: number } | null = null;
  for (const s of starts) {
    const up = (ready.get(s.node) ?? []).find((r) => r.at >= s.at && r.up);
    if (up && (!best || up.at < best.at)) best = { node: s.node, at: up.at };
  }
  return best ? { node: best.node, startAt: new Date(first).toISOString(), readyAt: new Date(best.at).toISOString(), ms: best.at - first } : null;
}

/**
 * How long the old version took to stop gracefully: the longest of the
 * hosts' stop tasks (the supervisor's stop returns once the JVM exited),
 * null when the side ran none. A recreate cannot start the new version
 * before this is over, so it belongs to the floor as much as the start.
 */
export function gracefulStopMs(spans: readonly Span[], task: RegExp): number | null {
  const stops = spans.filter((x) => !x.skipped && task.test(x.task)).map((x) => x.end - x.start);
  return stops.length ? Math.max(...stops) : null;
}

/** The figures the goals are stated on, from one run of both sides. */
export interface RecreateVerdict {
  /** The physical limit: the shorter of the two sides' first start-to-ready (the same migration on the same lab). */
  limitMs: number | null;
  limitFrom: 'baseline' | 'keyturn' | null;
  keyturnOverLimit: number | null;
  keyturnOverBaseline: number | null;
  /** Keyturn's downtime <= 1.1 x the limit; false when either figure is missing. */
  withinLimit: boolean;
  /** Keyturn's downtime below the baseline's; false when either figure is missing. */
  belowBaseline: boolean;
  /** The old version's graceful stop, the shorter of the two sides' (same stop, same lab). */
  stopMs: number | null;
  stopFrom: 'baseline' | 'keyturn' | null;
  /**
   * What no recreate that stops Keycloak gracefully can go below: that stop
   * plus the first node's start-to-ready (`limitMs`); null when either is missing.
   */
  floorMs: number | null;
  keyturnOverFloor: number | null;
  /** Keyturn's downtime <= 1.1 x the floor; false when either figure is missing. */
  withinFloor: boolean;
}

const over = (a: number | null, b: number | null) => (a === null || b === null || b <= 0 ? null : a / b);

export function recreateVerdict(keyturnDowntimeMs: number | null, baselineDowntimeMs: number | null, keyturnStart: StartToReady | null, baselineStart: StartToReady | null, stops: { keyturn: number | null; baseline: number | null } = { keyturn: null, baseline: null }): RecreateVerdict {
  const candidates = [
    ...(keyturnStart ? [{ from: 'keyturn' as const, ms: keyturnStart.ms }] : []),
    ...(baselineStart ? [{ from: 'baseline' as const, ms: baselineStart.ms }] : []),
  ].sort((a, b) => a.ms - b.ms);
  const limit = candidates[0] ?? null;
  const keyturnOverLimit = over(keyturnDowntimeMs, limit?.ms ?? null);
  const keyturnOverBaseline = over(keyturnDowntimeMs, baselineDowntimeMs);
  const stop = [
    ...(stops.keyturn !== null ? [{ from: 'keyturn' as const, ms: stops.keyturn }] : []),
    ...(stops.baseline !== null ? [{ from: 'baseline' as const, ms: stops.baseline }] : []),
  ].sort((a, b) => a.ms - b.ms)[0] ?? null;
  const floorMs = stop && limit ? stop.ms + limit.ms : null;
  const keyturnOverFloor = over(keyturnDowntimeMs, floorMs);
  return {
    limitMs: limit?.ms ?? null,
    limitFrom: limit?.from ?? null,
    keyturnOverLimit,
    keyturnOverBaseline,
    withinLimit: keyturnOverLimit !== null && keyturnOverLimit <= LIMIT_GOAL,
    belowBaseline: keyturnOverBaseline !== null && keyturnOverBaseline < 1,
    stopMs: stop?.ms ?? null,
    stopFrom: stop?.from ?? null,
    floorMs,
    keyturnOverFloor,
    withinFloor: keyturnOverFloor !== null && keyturnOverFloor <= LIMIT_GOAL,
  };
}
