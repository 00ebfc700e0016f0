/**
 * A cluster's blue/green colours as the ledger records them (`standby:list`),
 * and decommissioning the standby one (`standby:decommission`). The colour
 * records change when a run switches traffic or builds a colour, so they are
 * polled while a run on the cluster is active.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CallInput } from '../../../shared/contract/index.ts';
import { api, unwrap } from './client.ts';
import { queryKeys } from './query-keys.ts';

const ACTIVE_POLL_MS = 3_000;

/** The cluster's live colours (building, active, standby), newest first. */
export function useColours(cluster: string, opts: { enabled?: boolean; live?: boolean } = {}) {
  return useQuery({
    queryKey: queryKeys.standby(cluster),
    queryFn: () => unwrap(api().standby.list({ cluster })),
    enabled: (opts.enabled ?? true) && cluster !== '',
    refetchInterval: opts.live ? ACTIVE_POLL_MS : false,
  });
}

/**
 * `standby:decommission`: removes the standby colour (Terraform destroy of its
 * workspace, or Keycloak stopped on described hosts). `confirm` is the
 * cluster's name as the operator typed it, `colour` the one the operator saw
 * as standby: main refuses either when it no longer matches.
 */
export function useDecommissionStandby() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: CallInput<'standby:decommission'>) => unwrap(api().standby.decommission(input)),
    onSettled: (_data, _err, input) => {
      void qc.invalidateQueries({ queryKey: queryKeys.standby(input.cluster) });
      void qc.invalidateQueries({ queryKey: queryKeys.clusters() });
      void qc.invalidateQueries({ queryKey: queryKeys.runsAll() });
    },
  });
}
