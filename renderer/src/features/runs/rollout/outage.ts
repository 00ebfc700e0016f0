/**
 * The outage part of a recreate or restore run, folded from its steps and
 * events: when the load balancer went into maintenance (`lb.maintenance`),
 * when it ended (`lb.maintenance-ended`), what the prober's ticks saw in
 * between (maintenance answers apart from every other failure: a recreate
 * promises clients a 503 with Retry-After, never a refused connection), and
 * the engine's verdict at the end (`downtime.measured`, predicted against
 * measured). The prediction comes from the run's decision event: an
 * upgrade's `upgrade.decided`, a rollback's `rollback.planned` (restore and
 * recreate-back stop every node too, so the operator watches the same clock
 * against the same kind of prediction). Pure, so a reload folds the same
 * ledger into the same banner.
 */
import type { RunEvent, Step } from '../../../../../shared/contract/index.ts';

/** Where the run is in its outage. */
export type OutagePhase =
  /** The outage has not begun (staging, backup…). */
  | 'before'
  /** The load balancer answers 503 with Retry-After to everyone. */
  | 'maintenance'
  /** Every node is stopped and no load balancer answers for them. */
  | 'stopped'
  /** Clients are served again. */
  | 'over';

/** The engine's `downtime.measured` event, read leniently. */
export interface MeasuredDowntime {
  predictedSeconds: number | null;
  /** Null: the prober saw no failed request, or did not run. */
  measuredSeconds: number | null;
  maintenanceAnswers: number;
  otherFailures: Record<string, number>;
  /** The longest the outage can have been (last success before to first success after). */
  boundSeconds: number | null;
}

/** What the restore step did, from `backup.restored`. */
export interface RestoreFacts {
  keptAs: string | null;
  policy: string | null;
  onlineUserSessions: number | null;
  offlineUserSessions: number | null;
  jgroupsRowsCleared: number | null;
}

export interface Outage {
  phase: OutagePhase;
  /** The servers the load balancer took out of rotation. */
  servers: string[];
  /** Start of the downtime clock, Unix ms: the maintenance event or the first failed probe tick after the outage began, whichever came first. */
  startMs: number | null;
  /** End of the downtime: maintenance ended (or the first node is ready, without a load balancer). */
  endMs: number | null;
  /** The node that served first when the maintenance ended. */
  endedBy: string | null;
  /** Maintenance answers (HAProxy's 503 with Retry-After) the prober's ticks counted since the outage began. */
  maintenanceAnswers: number;
  /** Every other failure the ticks counted since then, by reason (refused, timeout, http-503…). */
  otherFailures: Record<string, number>;
  predictedSeconds: number | null;
  /** Where the prediction comes from ("from this cluster's recorded steps: …", "no history yet: …"), when the run said. */
  predictedBasis: string | null;
  measured: MeasuredDowntime | null;
  restored: RestoreFacts | null;
}

/** Events that state the run's predicted downtime before its outage: an upgrade's decision, a rollback's plan. */
const predictionKinds = new Set(['upgrade.decided', 'rollback.planned']);
/** Steps that begin an outage: the whole cluster stops serving. */
const outageKinds = new Set(['lb.maintenance', 'cluster.stop']);
/** A tick carries the requests that completed during the second before it. */
const TICK_SPAN_MS = 1_000;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const ms = (ts: string | null | undefined): number | null => {
  if (!ts) return null;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? null : t;
};
function counts(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (v && typeof v === 'object') for (const [k, n] of Object.entries(v)) if (typeof n === 'number' && n > 0) out[k] = n;
  return out;
}

function readMeasured(e: RunEvent): MeasuredDowntime {
  const d = e.data;
  return {
    predictedSeconds: num(d.predictedSeconds),
    measuredSeconds: num(d.measuredSeconds),
    maintenanceAnswers: num(d.maintenanceAnswers) ?? 0,
    otherFailures: counts(d.otherFailures),
    boundSeconds: num(d.boundSeconds),
  };
}

function readRestored(e: RunEvent): RestoreFacts {
  const s = e.data.sessions && typeof e.data.sessions === 'object' ? (e.data.sessions as Record<string, unknown>) : {};
  return {
    keptAs: str(e.data.keptAs),
    policy: str(s.policy),
    onlineUserSessions: num(s.onlineUserSessions),
    offlineUserSessions: num(s.offlineUserSessions),
    jgroupsRowsCleared: num(e.data.jgroupsRowsCleared),
  };
}

/** Folds the outage of a run; `null` when the run has none (a rolling upgrade). */
export function foldOutage(steps: readonly Step[], events: readonly RunEvent[]): Outage | null {
  const first = steps.find((s) => outageKinds.has(s.kind));
  if (!first) return null;
  const withLb = steps.some((s) => s.kind === 'lb.maintenance');
  const beganMs = ms(steps.find((s) => outageKinds.has(s.kind) && s.startedAt)?.startedAt);

  let maintenanceMs: number | null = null;
  let endedMs: number | null = null;
  let endedBy: string | null = null;
  let servers: string[] = [];
  let predicted: number | null = null;
  let basis: string | null = null;
  let measured: MeasuredDowntime | null = null;
  let restored: RestoreFacts | null = null;
  for (const e of events) {
    if (e.kind === 'lb.maintenance') {
      maintenanceMs ??= ms(e.at);
      endedMs = null;
      endedBy = null;
      if (Array.isArray(e.data.servers)) servers = e.data.servers.filter((x): x is string => typeof x === 'string');
    } else if (e.kind === 'lb.maintenance-ended') {
      endedMs = ms(e.at);
      endedBy = str(e.data.node) ?? e.node;
    } else if (predictionKinds.has(e.kind)) {
      predicted = num(e.data.predictedDowntimeSeconds) ?? predicted;
      basis = str(e.data.predictedDowntimeBasis) ?? basis;
    } else if (e.kind === 'downtime.measured') {
      measured = readMeasured(e);
    } else if (e.kind === 'backup.restored') {
      restored = readRestored(e);
    }
  }
  // Without a load balancer the outage ends when the first node after the stop is ready.
  if (!withLb && beganMs !== null) {
    const firstReady = steps.find((s) => s.kind === 'node.ready' && s.seq > first.seq && s.status === 'succeeded');
    endedMs = ms(firstReady?.finishedAt);
    endedBy = firstReady?.node ?? null;
  }

  // The prober's ticks since the outage began (until a tick after its end).
  let firstFailedMs: number | null = null;
  let maintenanceAnswers = 0;
  const otherFailures: Record<string, number> = {};
  if (beganMs !== null) {
    for (const e of events) {
      if (e.kind !== 'probe.tick') continue;
      const t = num(e.data.t);
      if (t === null || t < beganMs || (endedMs !== null && t > endedMs + TICK_SPAN_MS)) continue;
      const failed = num(e.data.failed) ?? 0;
      if (failed > 0) firstFailedMs ??= Math.max(beganMs, t - TICK_SPAN_MS);
      for (const [reason, n] of Object.entries(counts(e.data.reasons))) {
        if (reason === 'maintenance') maintenanceAnswers += n;
        else otherFailures[reason] = (otherFailures[reason] ?? 0) + n;
      }
    }
  }

  const candidates = [maintenanceMs, firstFailedMs, withLb ? null : beganMs].filter((v): v is number => v !== null);
  const startMs = candidates.length ? Math.min(...candidates) : null;
  const phase: OutagePhase = beganMs === null && maintenanceMs === null ? 'before'
    : endedMs !== null ? 'over'
      : withLb ? (maintenanceMs !== null ? 'maintenance' : 'before')
        : 'stopped';

  return {
    phase,
    servers,
    startMs,
    endMs: endedMs,
    endedBy,
    maintenanceAnswers,
    otherFailures,
    predictedSeconds: measured?.predictedSeconds ?? predicted,
    predictedBasis: basis,
    measured,
    restored,
  };
}

/**
 * How long clients have been (or were) without service, in ms: from the
 * start of the clock to the end of the outage, to the end of the run when it
 * stopped inside the outage, or to `nowMs` while it lasts.
 */
export function outageElapsedMs(o: Outage, nowMs: number, runFinishedAt: string | null): number | null {
  if (o.startMs === null) return null;
  const end = o.endMs ?? ms(runFinishedAt) ?? nowMs;
  return Math.max(0, end - o.startMs);
}
