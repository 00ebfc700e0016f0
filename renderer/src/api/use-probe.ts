/**
 * The availability prober's figures for a run. The summary is polled while
 * the run is active (it is what the verdict "zero failed requests" rests on);
 * the per-second series is read once on mount, and live seconds are appended
 * from `probe.tick` events by the chart.
 */
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client.ts';
import { queryKeys } from './query-keys.ts';

const SUMMARY_POLL_MS = 3_000;

/** Requests, failures by reason and latency percentiles of `runId`'s prober. */
export function useProbeSummary(runId: string, active: boolean) {
  return useQuery({
    queryKey: queryKeys.probeSummary(runId),
    queryFn: () => unwrap(api().runs.probeSummary({ runId })),
    refetchInterval: active ? SUMMARY_POLL_MS : false,
  });
}

/** Per-second buckets recorded so far; later seconds come from the event stream. */
export function useProbeSeries(runId: string) {
  return useQuery({
    queryKey: queryKeys.probeSeries(runId),
    queryFn: () => unwrap(api().runs.probeSeries({ runId })),
    staleTime: Infinity,
    refetchOnMount: 'always',
    refetchOnWindowFocus: false,
  });
}
