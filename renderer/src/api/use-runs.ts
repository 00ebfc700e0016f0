/** Run history, one run with its steps, and starting the lab (which is a run too). */
import { useEffect, useRef } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RunStatus } from '../../../shared/contract/index.ts';
import { api, unwrap } from './client.ts';
import { queryKeys } from './query-keys.ts';

/** Statuses after which a run can still change on its own. */
export const activeRunStatuses: readonly RunStatus[] = ['pending', 'running', 'paused'];

/** True while main may still move the run forward. */
export function isActive(status: RunStatus): boolean {
  return activeRunStatuses.includes(status);
}

const ACTIVE_POLL_MS = 2_000;
const HISTORY_POLL_MS = 5_000;

/** Run history, newest first; optionally one cluster's. Polls while any listed run is active. */
export function useRuns(cluster?: string) {
  return useQuery({
    queryKey: queryKeys.runs(cluster),
    queryFn: () => unwrap(api().runs.list(cluster ? { cluster } : {})),
    refetchInterval: (q) => (q.state.data?.some((r) => isActive(r.status)) ? HISTORY_POLL_MS : false),
  });
}

/** One run and its steps; polled while active because step transitions are not all events. `enabled` false when there is no run yet. */
export function useRun(id: string, enabled = true) {
  return useQuery({
    queryKey: queryKeys.run(id),
    queryFn: () => unwrap(api().runs.get({ id })),
    enabled: enabled && id !== '',
    refetchInterval: (q) => {
      if (q.state.status === 'error') return false;
      const status = q.state.data?.run.status;
      return status === undefined || isActive(status) ? ACTIVE_POLL_MS : false;
    },
  });
}

/** `lab:up`: builds the sandbox in the background and answers with the run to watch. */
export function useLabUp() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api().lab.up({})),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.runsAll() }),
  });
}

/**
 * When a run ends, the fleet (health, last run, last backup; a sandbox build
 * may have registered a cluster) and the run history have changed too.
 */
export function useRefreshWhenRunEnds(active: boolean) {
  const qc = useQueryClient();
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) {
      void qc.invalidateQueries({ queryKey: queryKeys.clusters() });
      void qc.invalidateQueries({ queryKey: queryKeys.runsAll() });
    }
    wasActive.current = active;
  }, [active, qc]);
}
