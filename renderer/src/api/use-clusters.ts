/**
 * Cluster reads and writes. Every write invalidates the channels whose answer
 * it changes, so the fleet, the detail view and the run history never show a
 * state main no longer holds.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CallInput, ClusterDetail } from '../../../shared/contract/index.ts';
import { api, unwrap } from './client.ts';
import { queryKeys } from './query-keys.ts';

/** Health is probed by main in the background; poll so the fleet stays current on a wall screen. */
const FLEET_POLL_MS = 15_000;

/** All registered clusters with health, last backup and last run. */
export function useClusters() {
  return useQuery({
    queryKey: queryKeys.clusters(),
    queryFn: () => unwrap(api().clusters.list()),
    refetchInterval: FLEET_POLL_MS,
  });
}

/** One cluster's spec and pinned host keys; `enabled` false for views that may have no cluster (a run without one). */
export function useCluster(name: string, enabled = true) {
  return useQuery({
    queryKey: queryKeys.cluster(name),
    queryFn: () => unwrap(api().clusters.get({ name })),
    enabled: enabled && name !== '',
  });
}

function useClusterWritten() {
  const qc = useQueryClient();
  return (detail: ClusterDetail, previousName?: string) => {
    if (previousName && previousName !== detail.name) qc.removeQueries({ queryKey: queryKeys.cluster(previousName) });
    qc.setQueryData(queryKeys.cluster(detail.name), detail);
    void qc.invalidateQueries({ queryKey: queryKeys.clusters() });
  };
}

/** `clusters:register`; errors come back as `CallError` with per-field `details.issues`. */
export function useRegisterCluster() {
  const written = useClusterWritten();
  return useMutation({
    mutationFn: (input: CallInput<'clusters:register'>) => unwrap(api().clusters.register(input)),
    onSuccess: (detail) => written(detail),
  });
}

/** `clusters:update` (the spec may rename the cluster). */
export function useUpdateCluster() {
  const written = useClusterWritten();
  return useMutation({
    mutationFn: (input: CallInput<'clusters:update'>) => unwrap(api().clusters.update(input)),
    onSuccess: (detail, input) => written(detail, input.name),
  });
}

/** `clusters:remove`: forgets the cluster and its history (hosts are untouched). */
export function useRemoveCluster() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => unwrap(api().clusters.remove({ name })),
    onSuccess: (_data, name) => {
      qc.removeQueries({ queryKey: queryKeys.cluster(name) });
      void qc.invalidateQueries({ queryKey: queryKeys.clusters() });
      void qc.invalidateQueries({ queryKey: queryKeys.runsAll() });
    },
  });
}

/**
 * `clusters:scanHostKeys`. A mutation rather than a query: it reaches out to
 * every node, so it runs only when the operator asks, never on focus.
 */
export function useScanHostKeys() {
  return useMutation({
    mutationFn: (name: string) => unwrap(api().clusters.scanHostKeys({ name })),
  });
}

/** `clusters:pinHostKeys` with the fingerprints the operator confirmed, then a login test per node. */
export function usePinHostKeys() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: CallInput<'clusters:pinHostKeys'>) => unwrap(api().clusters.pinHostKeys(input)),
    onSettled: (_data, _err, input) => qc.invalidateQueries({ queryKey: queryKeys.cluster(input.name) }),
  });
}
