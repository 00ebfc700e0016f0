/** Handlers of the `runs:*` channels: history and the event log, straight from the ledger. */
import { clusterIdByName } from '../ledger/clusters-repo.ts';
import { dataSafetyEventKinds, dataSafetyOf } from '../../shared/domain/data-safety.ts';
import { eventsOfKinds, getRun, listEvents, listRuns } from '../ledger/runs-repo.ts';
import type { Services } from './services.ts';
import type { Handlers } from './dispatch.ts';

export function runHandlers(s: Services): Pick<Handlers, Exclude<`runs:${string}` & keyof Handlers, 'runs:probeSummary' | 'runs:probeSeries' | 'runs:pause' | 'runs:abort' | 'runs:resume'>> {
  return {
    'runs:list': (input) => {
      const clusterId = input?.cluster ? clusterIdByName(s.db, input.cluster) : undefined;
      return listRuns(s.db, { ...(clusterId ? { clusterId } : {}), limit: input?.limit ?? 100 });
    },
    'runs:get': ({ id }) => {
      const r = getRun(s.db, id);
      const running = r.run.status === 'running' || r.run.status === 'paused';
      return { ...r, dataSafety: dataSafetyOf(eventsOfKinds(s.db, id, dataSafetyEventKinds), running, new Date().toISOString()) };
    },
    'runs:events': ({ runId, afterSeq, limit }) => listEvents(s.db, runId, afterSeq, limit),
  };
}
