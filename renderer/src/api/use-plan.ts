/**
 * The planner's calls for the upgrade wizard: target versions, starting a
 * plan run (its kc.sh output arrives as run events) and reading the finished
 * plan. Plans are immutable once computed, so a fetched plan never goes stale.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { PlanInput } from '../../../shared/contract/index.ts';
import { api, unwrap } from './client.ts';
import { queryKeys } from './query-keys.ts';

/** Maven metadata changes rarely; asking again on every focus would only slow the picker. */
const VERSIONS_STALE_MS = 10 * 60_000;

/** Target versions for `cluster`, newest first, labelled relative to its current version. */
export function usePlanVersions(cluster: string) {
  return useQuery({
    queryKey: queryKeys.planVersions(cluster),
    queryFn: () => unwrap(api().plan.versions({ cluster })),
    staleTime: VERSIONS_STALE_MS,
    refetchOnWindowFocus: false,
  });
}

/** Asks main to read Maven again (the operator pressed Refresh) and replaces the cached list. */
export function useRefreshPlanVersions(cluster: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api().plan.versions({ cluster, refresh: true })),
    onSuccess: (data) => qc.setQueryData(queryKeys.planVersions(cluster), data),
  });
}

/** `plan:start`: answers with the plan run's id at once; the run appears in the history. */
export function useStartPlan() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: PlanInput) => unwrap(api().plan.start(input)),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.runsAll() }),
  });
}

/**
 * The plan computed by run `runId`. Only asked once the run has finished
 * (`finished`): before that main answers `not-found` by design.
 */
export function usePlan(runId: string | null, finished: boolean) {
  return useQuery({
    queryKey: queryKeys.plan(runId ?? ''),
    queryFn: () => unwrap(api().plan.get({ runId: runId! })),
    enabled: runId !== null && finished,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
}
