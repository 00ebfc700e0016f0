/** A cluster's backups: the wizard shows the last ones before an upgrade takes a new one. */
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client.ts';
import { queryKeys } from './query-keys.ts';

/** Backups of `cluster`, newest first, with size, changelog state and last verification. */
export function useBackups(cluster: string) {
  return useQuery({
    queryKey: queryKeys.backups(cluster),
    queryFn: () => unwrap(api().backups.list({ cluster })),
  });
}
