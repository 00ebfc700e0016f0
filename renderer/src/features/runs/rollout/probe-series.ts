/**
 * The prober's per-second series for the live chart: the ledger's buckets
 * (`runs:probeSeries`, read once) followed by the seconds the `probe.tick`
 * events brought since. Pure functions so the chart and its tests agree.
 */
import type { ProbeBucket, RunEvent } from '../../../../../shared/contract/index.ts';

/** One plotted second (or, downsampled, the average second of a span). */
export interface ProbePoint {
  t: number;
  ok: number;
  failed: number;
  p50: number | null;
  p99: number | null;
}

/** The running figures the last tick carried. */
export interface TickFigures {
  t: number;
  requests: number;
  failed: number;
  p50: number | null;
  p99: number | null;
  inFlight: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const second = (t: number) => Math.floor(t / 1000) * 1000;

/**
 * Buckets from the ledger, then one point per later second from ticks. A
 * tick is read leniently (numbers only) so a newer engine adding fields does
 * not blank the chart. Ledger buckets win for any second they cover.
 */
export function mergeProbeSeries(series: readonly ProbeBucket[], events: readonly RunEvent[]): ProbePoint[] {
  const points: ProbePoint[] = series.map((b) => ({ t: b.t, ok: b.ok, failed: b.failed, p50: b.p50, p99: b.p99 }));
  const lastLedger = points.length ? points[points.length - 1]!.t : -Infinity;
  const live = new Map<number, ProbePoint>();
  for (const e of events) {
    if (e.kind !== 'probe.tick') continue;
    const t = num(e.data.t);
    if (t === null) continue;
    const s = second(t);
    if (s <= lastLedger) continue;
    const prev = live.get(s);
    const ok = (num(e.data.ok) ?? 0) + (prev?.ok ?? 0);
    const failed = (num(e.data.failed) ?? 0) + (prev?.failed ?? 0);
    live.set(s, { t: s, ok, failed, p50: num(e.data.p50) ?? prev?.p50 ?? null, p99: maxOf(num(e.data.p99), prev?.p99 ?? null) });
  }
  return points.concat([...live.values()].sort((a, b) => a.t - b.t));
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** The running totals of the newest tick, or null before the first one. */
export function latestTick(events: readonly RunEvent[]): TickFigures | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.kind !== 'probe.tick') continue;
    const t = num(e.data.t);
    const requests = num(e.data.requests);
    if (t === null || requests === null) continue;
    return { t, requests, failed: num(e.data.totalFailed) ?? 0, p50: num(e.data.p50), p99: num(e.data.p99), inFlight: num(e.data.inFlight) ?? 0 };
  }
  return null;
}

/**
 * At most `max` points: the last `windowMs` of the series (all of it when
 * null), averaged into equal spans when there are more seconds than points.
 * Averages keep the y-axis in "per second"; p99 takes the span's worst.
 */
export function windowPoints(points: readonly ProbePoint[], windowMs: number | null, max: number): ProbePoint[] {
  if (points.length === 0) return [];
  const end = points[points.length - 1]!.t;
  const visible = windowMs === null ? points : points.filter((p) => p.t > end - windowMs);
  if (visible.length <= max) return [...visible];
  const span = Math.ceil(visible.length / max);
  const out: ProbePoint[] = [];
  for (let i = 0; i < visible.length; i += span) {
    const chunk = visible.slice(i, i + span);
    const n = chunk.length;
    const p50s = chunk.map((p) => p.p50).filter((v): v is number => v !== null);
    out.push({
      t: chunk[0]!.t,
      ok: chunk.reduce((a, p) => a + p.ok, 0) / n,
      failed: chunk.reduce((a, p) => a + p.failed, 0) / n,
      p50: p50s.length ? p50s.reduce((a, v) => a + v, 0) / p50s.length : null,
      p99: chunk.reduce<number | null>((a, p) => maxOf(a, p.p99), null),
    });
  }
  return out;
}
