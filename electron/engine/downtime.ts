/**
 * The downtime a recreate or restore promised, next to the one the prober
 * measured: the plan predicted it (from this cluster's history, or a stated
 * default), and the run record keeps both so the next prediction and the
 * change board see how good it was.
 */
import type { Ledger } from '../ledger/open-ledger.ts';
import { listProbeSamples } from '../ledger/probe-samples-repo.ts';
import { getRun } from '../ledger/runs-repo.ts';
import { maintenanceWindow } from '../../shared/domain/probe-stats.ts';

export interface DowntimeFigures {
  predictedSeconds: number | null;
  /** First to last failed probe request from the moment the outage began (null: the prober saw none, or did not run). */
  measuredSeconds: number | null;
  /** 503 answers with Retry-After (the maintenance answer) inside the window. */
  maintenanceAnswers: number;
  /** Anything else that failed inside the window (refused, timeout…): a recreate promises none. */
  otherFailures: Record<string, number>;
  /** The longest the outage can have been: last success before to first success after (ms), when both exist. */
  boundSeconds: number | null;
}

/** Downtime figures of a run with an outage part (maintenance or a full stop); null for a run without one. */
export function measureDowntime(db: Ledger, runId: string, predictedSeconds: number | null): DowntimeFigures | null {
  const { steps } = getRun(db, runId);
  const start = steps.find((s) => (s.kind === 'lb.maintenance' || s.kind === 'cluster.stop') && s.startedAt);
  if (!start?.startedAt) return null;
  const window = maintenanceWindow(listProbeSamples(db, runId, Date.parse(start.startedAt)));
  return {
    predictedSeconds,
    measuredSeconds: window?.seconds ?? null,
    maintenanceAnswers: window?.maintenanceAnswers ?? 0,
    otherFailures: window?.otherFailures ?? {},
    boundSeconds: window && window.lastOkBeforeMs !== null && window.firstOkAfterMs !== null ? Math.round((window.firstOkAfterMs - window.lastOkBeforeMs) / 100) / 10 : null,
  };
}
