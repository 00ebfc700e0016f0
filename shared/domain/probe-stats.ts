/**
 * The arithmetic of the availability prober, kept pure so it is tested on
 * fixed data: percentiles, summaries and per-second buckets are computed the
 * same way live (from memory) and afterwards (from the ledger).
 */
import type { ProbeBucket, ProbeSample, ProbeSummary } from '../contract/probe.ts';

export type { ProbeSample };

/**
 * Nearest-rank percentile of ascending `sorted` values: the smallest value
 * with at least p% of the values at or below it. Always an observed value
 * (no interpolation), so "p99 = 2000 ms" means a request really took that.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  if (p <= 0) return sorted[0]!;
  const rank = Math.ceil((Math.min(p, 100) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

const round1 = (n: number | null): number | null => (n === null ? null : Math.round(n * 10) / 10);
const ascending = (a: number, b: number) => a - b;

/** Latency figures of successful requests: p50, p99, max. */
export function latencyFigures(okLatencies: readonly number[]): { p50: number | null; p99: number | null; max: number | null } {
  const sorted = [...okLatencies].sort(ascending);
  return { p50: round1(percentile(sorted, 50)), p99: round1(percentile(sorted, 99)), max: round1(sorted.length ? sorted[sorted.length - 1]! : null) };
}

/** Counts failures by reason. */
export function countReasons(samples: readonly Pick<ProbeSample, 'ok' | 'reason'>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) if (!s.ok) out[s.reason ?? 'other'] = (out[s.reason ?? 'other'] ?? 0) + 1;
  return out;
}

/** The summary of a set of samples (the whole run). */
export function summarize(samples: readonly ProbeSample[]): ProbeSummary {
  const ok = samples.filter((s) => s.ok);
  const figures = latencyFigures(ok.map((s) => s.latencyMs));
  let first = Infinity;
  let last = -Infinity;
  for (const s of samples) {
    first = Math.min(first, s.atMs);
    last = Math.max(last, s.atMs);
  }
  return {
    requests: samples.length,
    ok: ok.length,
    failed: samples.length - ok.length,
    p50Ms: figures.p50,
    p99Ms: figures.p99,
    maxMs: figures.max,
    failuresByReason: countReasons(samples),
    firstAt: samples.length ? new Date(first).toISOString() : null,
    lastAt: samples.length ? new Date(last).toISOString() : null,
  };
}

/**
 * Per-second buckets by request start, from the first second to the last,
 * with empty seconds included (a stalled prober or client shows as a gap of
 * zeros, not as a line drawn straight across).
 */
export function bucketize(samples: readonly ProbeSample[]): ProbeBucket[] {
  if (samples.length === 0) return [];
  const bySecond = new Map<number, ProbeSample[]>();
  let first = Infinity;
  let last = -Infinity;
  for (const s of samples) {
    const t = Math.floor(s.atMs / 1000) * 1000;
    first = Math.min(first, t);
    last = Math.max(last, t);
    const list = bySecond.get(t);
    if (list) list.push(s);
    else bySecond.set(t, [s]);
  }
  const buckets: ProbeBucket[] = [];
  for (let t = first; t <= last; t += 1000) {
    const list = bySecond.get(t) ?? [];
    const ok = list.filter((s) => s.ok);
    const figures = latencyFigures(ok.map((s) => s.latencyMs));
    buckets.push({ t, ok: ok.length, failed: list.length - ok.length, p50: figures.p50, p99: figures.p99 });
  }
  return buckets;
}

/** The outage of a run as the prober saw it: when clients were turned away, and how. */
export interface OutageWindow {
  /** Start of the first failed request, Unix ms. */
  startMs: number;
  /** Start of the last failed request, Unix ms. */
  endMs: number;
  /** `endMs - startMs` in seconds, rounded to 0.1 s (one failed request alone gives 0). */
  seconds: number;
  /** Start of the last successful request before the window (null: none). With `firstOkAfterMs`, the outage at its longest. */
  lastOkBeforeMs: number | null;
  /** Start of the first successful request after the window (null: none, the run ended still failing). */
  firstOkAfterMs: number | null;
  /** Failed requests answered with the load balancer's maintenance 503 (reason `maintenance`). */
  maintenanceAnswers: number;
  /** Every other failure in the window by reason (`refused`, `timeout`, `http-503`, ...): a clean recreate has none. */
  otherFailures: Record<string, number>;
  /** Successful requests between the first and the last failure: more than 0 means the outage came and went. */
  okInside: number;
}

/**
 * Measures the downtime the prober saw: from the first to the last failed
 * request, what kinds of answers clients got, and the successful requests
 * around it. Null when nothing failed. Pure, so the live run record and the
 * ledger afterwards give the same figure; samples may come in any order.
 */
export function maintenanceWindow(samples: readonly ProbeSample[]): OutageWindow | null {
  const sorted = [...samples].sort((a, b) => a.atMs - b.atMs);
  const first = sorted.findIndex((s) => !s.ok);
  if (first < 0) return null;
  let last = first;
  for (let i = sorted.length - 1; i > first; i--) {
    if (!sorted[i]!.ok) {
      last = i;
      break;
    }
  }
  const inside = sorted.slice(first, last + 1);
  const failures = countReasons(inside);
  const { maintenance = 0, ...otherFailures } = failures;
  const startMs = sorted[first]!.atMs;
  const endMs = sorted[last]!.atMs;
  return {
    startMs,
    endMs,
    seconds: Math.round((endMs - startMs) / 100) / 10,
    lastOkBeforeMs: first > 0 ? sorted[first - 1]!.atMs : null,
    firstOkAfterMs: last + 1 < sorted.length ? sorted[last + 1]!.atMs : null,
    maintenanceAnswers: maintenance,
    otherFailures,
    okInside: inside.filter((s) => s.ok).length,
  };
}
