/**
 * Handlers of the prober's `runs:probe*` channels: figures computed from the
 * samples in the ledger, so they are the same live, after a reload, and long
 * after the run.
 */
import { bucketize, summarize } from '../../shared/domain/probe-stats.ts';
import { listProbeSamples } from '../ledger/probe-samples-repo.ts';
import type { Services } from './services.ts';
import type { Handlers } from './dispatch.ts';

export function probeHandlers(s: Services): Pick<Handlers, 'runs:probeSummary' | 'runs:probeSeries'> {
  return {
    'runs:probeSummary': ({ runId }) => summarize(listProbeSamples(s.db, runId)),
    'runs:probeSeries': ({ runId, sinceMs }) => bucketize(listProbeSamples(s.db, runId, sinceMs === undefined ? 0 : Math.floor(sinceMs / 1000) * 1000)),
  };
}
