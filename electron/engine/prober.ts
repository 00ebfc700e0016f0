/**
 * The availability prober: during a run it asks the cluster for
 * client-credentials tokens through its public name, at a steady rate, and
 * records every answer. Its figures are the proof of "zero downtime": the
 * design asserts zero failed requests where a strategy promises it.
 *
 * - Steady rate (default 20/s) on a fixed schedule; a slot is skipped, not
 *   queued, when `concurrency` requests are already waiting, so a slow
 *   cluster is never hit harder than the rate.
 * - Every request has a deadline; the prober stops on `stop()`, on its
 *   AbortSignal, or by itself after `maxDurationMs`: it can never outlive a
 *   run by more than that.
 * - Samples go to the ledger in one transaction per second (not one per
 *   request), followed by a `probe.tick` event (source 'probe') with that
 *   second's counts and latency for the live chart.
 */
import type { ProbeSummary, ProbeTick } from '../../shared/contract/probe.ts';
import { KeyturnError } from '../../shared/errors.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { insertProbeSamples, type ProbeSample } from '../ledger/probe-samples-repo.ts';
import { countReasons, latencyFigures } from '../../shared/domain/probe-stats.ts';
import { prepareTarget, probeOnce, type ProbeTarget } from './probe-request.ts';
import type { RunRecorder } from '../runs/run-recorder.ts';

export type { ProbeTarget };

export interface ProberOptions {
  db: Ledger;
  runId: string;
  /** Receives `probe.tick` events: the run's recorder (persists, then emits). */
  events: Pick<RunRecorder, 'event'>;
  target: ProbeTarget;
  /** Requests per second; default 20, at most 200. */
  ratePerSecond?: number;
  /** Requests in flight at most; default 16. */
  concurrency?: number;
  /** Deadline of one request (DNS + HTTP), ms; default 2000. */
  timeoutMs?: number;
  /** The prober stops by itself after this long (required: no unbounded loop). At most 24 h. */
  maxDurationMs: number;
  signal?: AbortSignal;
}

export interface ProberCounters {
  requests: number;
  ok: number;
  failed: number;
  inFlight: number;
  /** Slots not used because `concurrency` requests were already in flight. */
  skipped: number;
  /** Batches written to the ledger (one transaction each). */
  batches: number;
  /** Batches the ledger refused (samples stay in the live figures). */
  writeErrors: number;
}

export interface Prober {
  /** Resolves when the prober has stopped and written everything, with the final figures. */
  readonly done: Promise<ProbeSummary>;
  /** Stops scheduling, waits for requests in flight (bounded by their deadline), writes the rest. Idempotent. */
  stop(): Promise<ProbeSummary>;
  counters(): ProberCounters;
  summary(): ProbeSummary;
}

const MAX_DURATION_MS = 24 * 3_600_000;
const TICK_MS = 1000;

function check(name: string, v: number, min: number, max: number): number {
  if (!Number.isFinite(v) || v < min || v > max) throw new KeyturnError('invalid-input', `Prober ${name} ${v} is outside ${min}..${max}.`, `Pick a ${name} between ${min} and ${max}.`);
  return v;
}

/** Starts probing at once; returns the handle to watch and stop it. */
export function startProber(o: ProberOptions): Prober {
  const rate = check('rate', o.ratePerSecond ?? 20, 1, 200);
  const concurrency = check('concurrency', o.concurrency ?? 16, 1, 256);
  const timeoutMs = check('timeout', o.timeoutMs ?? 2000, 50, 60_000);
  const maxDurationMs = check('maxDurationMs', o.maxDurationMs, 1, MAX_DURATION_MS);
  const target = prepareTarget(o.target);
  const interval = 1000 / rate;

  const c: ProberCounters = { requests: 0, ok: 0, failed: 0, inFlight: 0, skipped: 0, batches: 0, writeErrors: 0 };
  const okLatencies: number[] = [];
  const reasons: Record<string, number> = {};
  let firstAt = Infinity;
  let lastAt = -Infinity;
  let pending: ProbeSample[] = [];
  const inFlight = new Set<Promise<void>>();

  const start = performance.now();
  let slot = 0;
  let stopped = false;
  let scheduleTimer: NodeJS.Timeout | undefined;
  let resolveDone!: (s: ProbeSummary) => void;
  const done = new Promise<ProbeSummary>((r) => (resolveDone = r));
  let stopping: Promise<ProbeSummary> | null = null;

  const record = (s: ProbeSample) => {
    c.requests++;
    firstAt = Math.min(firstAt, s.atMs);
    lastAt = Math.max(lastAt, s.atMs);
    if (s.ok) {
      c.ok++;
      okLatencies.push(s.latencyMs);
    } else {
      c.failed++;
      const r = s.reason ?? 'other';
      reasons[r] = (reasons[r] ?? 0) + 1;
    }
    pending.push(s);
  };

  const launch = () => {
    c.inFlight++;
    const p = probeOnce(target, timeoutMs).then((s) => {
      c.inFlight--;
      record(s);
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  // Fixed schedule (slot n is due at start + n * interval) so timer drift doesn't lower the rate;
  // after a stall (a blocked event loop) the missed slots are skipped rather than fired in a burst.
  const schedule = () => {
    if (stopped) return;
    const now = performance.now();
    if (now - start >= maxDurationMs) {
      void stop();
      return;
    }
    const behind = Math.floor((now - start) / interval) - slot;
    if (behind > 1) {
      c.skipped += behind - 1;
      slot += behind - 1;
    }
    if (c.inFlight < concurrency) launch();
    else c.skipped++;
    slot++;
    scheduleTimer = setTimeout(schedule, Math.max(0, start + slot * interval - performance.now()));
  };

  /** Writes what completed since the last flush in one transaction, then emits its tick. */
  const flush = () => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    try {
      insertProbeSamples(o.db, o.runId, batch);
      c.batches++;
    } catch {
      c.writeErrors++;
    }
    const ok = batch.filter((s) => s.ok);
    const f = latencyFigures(ok.map((s) => s.latencyMs));
    const failed = batch.length - ok.length;
    const tick: ProbeTick = {
      t: Date.now(), ok: ok.length, failed, p50: f.p50, p99: f.p99, maxMs: f.max, reasons: countReasons(batch), inFlight: c.inFlight,
      requests: c.requests, totalFailed: c.failed,
      message: `probe: ${ok.length} ok, ${failed} failed${f.p50 !== null ? `, p50 ${f.p50} ms, p99 ${f.p99} ms` : ''}`,
    };
    try {
      o.events.event('probe', 'probe.tick', failed > 0 ? 'warn' : 'debug', tick);
    } catch {
      // a failing event sink must not stop the measurement
    }
  };
  const tickTimer = setInterval(flush, TICK_MS);

  const summary = (): ProbeSummary => {
    const f = latencyFigures(okLatencies);
    return {
      requests: c.requests, ok: c.ok, failed: c.failed, p50Ms: f.p50, p99Ms: f.p99, maxMs: f.max, failuresByReason: { ...reasons },
      firstAt: c.requests ? new Date(firstAt).toISOString() : null, lastAt: c.requests ? new Date(lastAt).toISOString() : null,
    };
  };

  const onAbort = () => void stop();
  function stop(): Promise<ProbeSummary> {
    if (stopping) return stopping;
    stopped = true;
    clearTimeout(scheduleTimer);
    o.signal?.removeEventListener('abort', onAbort);
    stopping = (async () => {
      await Promise.allSettled([...inFlight]);
      clearInterval(tickTimer);
      flush();
      const s = summary();
      resolveDone(s);
      return s;
    })();
    return stopping;
  }

  if (o.signal?.aborted) void stop();
  else {
    o.signal?.addEventListener('abort', onAbort, { once: true });
    schedule();
  }
  return { done, stop, counters: () => ({ ...c }), summary };
}

/** The probe target of the lab, from `lab:status` (its credentials are lab-only). */
export function labProbeTarget(status: { url: string; dns: { server: string; port: number }; realm: string; clientId: string; clientSecret: string | null }): ProbeTarget {
  if (!status.clientSecret) throw new KeyturnError('not-found', 'The lab has no client secret yet.', 'Build the lab first: keyturn lab up');
  return {
    url: `${status.url.replace(/\/$/, '')}/realms/${status.realm}/protocol/openid-connect/token`,
    dns: { server: status.dns.server, port: status.dns.port },
    clientId: status.clientId,
    clientSecret: status.clientSecret,
    allowedNetworks: ['127.0.0.0/8'],
  };
}
