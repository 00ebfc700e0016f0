/**
 * Starting and steering upgrades and rollbacks. Each control only asks main;
 * what actually happened comes back through `runs:get` and the event stream,
 * so every mutation refreshes the run it touched and the lists that show it.
 */
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { CallInput } from '../../../shared/contract/index.ts';
import { api, unwrap } from './client.ts';
import { queryKeys } from './query-keys.ts';

function refreshRun(qc: QueryClient, runId: string) {
  void qc.invalidateQueries({ queryKey: queryKeys.run(runId) });
  void qc.invalidateQueries({ queryKey: queryKeys.runsAll() });
  void qc.invalidateQueries({ queryKey: queryKeys.clusters() });
}

/** `upgrade:start`; main re-checks compatibility before it writes any step, so this can take a while. */
export function useStartUpgrade() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: CallInput<'upgrade:start'>) => unwrap(api().upgrade.start(input)),
    onSuccess: ({ runId }) => refreshRun(qc, runId),
  });
}

/** Which control a button sends. */
export type RunControl = 'pause' | 'abort' | 'resume';

/** `runs:pause`, `runs:abort` or `runs:resume` for one run. */
export function useRunControl(control: RunControl) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (runId: string) => {
      const runs = api().runs;
      if (control === 'pause') await unwrap(runs.pause({ runId }));
      else if (control === 'abort') await unwrap(runs.abort({ runId }));
      else await unwrap(runs.resume({ runId }));
      return runId;
    },
    onSettled: (_data, _err, runId) => refreshRun(qc, runId),
  });
}

/**
 * What rolling back the cluster's last upgrade would do and cost. Asked
 * fresh each time the panel opens (`enabled`): the answer depends on the live
 * database schema and what the nodes run right now.
 */
export function useRollbackPlan(cluster: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.rollbackPlan(cluster),
    queryFn: () => unwrap(api().rollback.plan({ cluster })),
    enabled,
    staleTime: 0,
    refetchOnWindowFocus: false,
  });
}

/** `rollback:start`; main first stops a running upgrade after its current step, so this may wait. */
export function useStartRollback() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: CallInput<'rollback:start'>) => unwrap(api().rollback.start(input)),
    onSuccess: ({ runId }) => refreshRun(qc, runId),
  });
}
