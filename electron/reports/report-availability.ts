/**
 * The availability section of a run report, from the probe samples the
 * ledger holds: the same figures the prober reports (nearest-rank
 * percentiles of successful requests, failures by reason, the outage from
 * the first to the last failed request) so the report and the run's own
 * `probe.summary` / `downtime.measured` events agree: the arithmetic is the
 * prober's own (shared/domain/probe-stats.ts).
 */
import type { ReportAvailability, ReportStep } from '../../shared/contract/report.ts';
import type { ProbeSample } from '../../shared/contract/probe.ts';
import { countReasons, latencyFigures } from '../../shared/domain/probe-stats.ts';

/** The chart keeps at most this many slices; a long run gets wider ones. */
const maxSlices = 720;

const round1 = (n: number): number => Math.round(n * 10) / 10;
const iso = (ms: number): string => new Date(ms).toISOString();

/** Requests per slice, empty slices included, so a stall shows as a gap rather than a line drawn across. */
function slicesOf(sorted: readonly ProbeSample[]): { sliceMs: number; slices: ReportAvailability['slices'] } {
  if (sorted.length === 0) return { sliceMs: 1000, slices: [] };
  const first = Math.floor(sorted[0]!.atMs / 1000) * 1000;
  const span = sorted[sorted.length - 1]!.atMs - first + 1;
  const sliceMs = Math.max(1000, Math.ceil(span / maxSlices / 1000) * 1000);
  const count = Math.ceil(span / sliceMs);
  const slices = Array.from({ length: count }, (_, i) => ({ t: first + i * sliceMs, ok: 0, failed: 0 }));
  for (const s of sorted) {
    const slice = slices[Math.min(count - 1, Math.floor((s.atMs - first) / sliceMs))]!;
    if (s.ok) slice.ok += 1;
    else slice.failed += 1;
  }
  return { sliceMs, slices };
}

export interface AvailabilityInput {
  samples: readonly ProbeSample[];
  steps: readonly ReportStep[];
  /** Why the run had no prober (`probe.disabled` event), if it said. */
  disabledNote: string | null;
  predictedDowntimeSeconds: number | null;
}

/**
 * Figures of one run. The measured downtime is the engine's
 * `downtime.measured`: first to last failed request from the start of the
 * outage step (maintenance or a full stop); a run without one (rolling) has
 * none, and its failures are counted, not called downtime.
 */
export function availabilityOf(input: AvailabilityInput): ReportAvailability {
  const sorted = [...input.samples].sort((a, b) => a.atMs - b.atMs);
  const ok = sorted.filter((s) => s.ok);
  const latency = latencyFigures(ok.map((s) => s.latencyMs));
  const failures = sorted.filter((s) => !s.ok);

  const stepOf = (kind: string) => input.steps.find((s) => s.kind === kind);
  const maintenanceStep = stepOf('lb.maintenance');
  const maintenance = maintenanceStep?.startedAt ? { startedAt: maintenanceStep.startedAt, endedAt: stepOf('lb.end-maintenance')?.finishedAt ?? null } : null;
  const outageStart = input.steps.find((s) => (s.kind === 'lb.maintenance' || s.kind === 'cluster.stop') && s.startedAt)?.startedAt;
  const counted = outageStart ? failures.filter((s) => s.atMs >= Date.parse(outageStart)) : [];
  const measured = counted.length ? round1((counted[counted.length - 1]!.atMs - counted[0]!.atMs) / 1000) : null;

  return {
    probed: sorted.length > 0,
    note: sorted.length > 0 ? null : (input.disabledNote ?? 'The ledger holds no probe samples for this run.'),
    requests: sorted.length,
    ok: ok.length,
    failed: failures.length,
    failedByReason: countReasons(failures),
    p50Ms: latency.p50,
    p99Ms: latency.p99,
    maxMs: latency.max,
    firstRequestAt: sorted.length ? iso(sorted[0]!.atMs) : null,
    lastRequestAt: sorted.length ? iso(sorted[sorted.length - 1]!.atMs) : null,
    firstFailureAt: failures.length ? iso(failures[0]!.atMs) : null,
    lastFailureAt: failures.length ? iso(failures[failures.length - 1]!.atMs) : null,
    maintenance,
    switchAt: stepOf('traffic.switch')?.finishedAt ?? null,
    predictedDowntimeSeconds: input.predictedDowntimeSeconds,
    measuredDowntimeSeconds: measured,
    ...slicesOf(sorted),
  };
}
