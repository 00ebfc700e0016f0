/** Queries about the console itself and the machine it runs on. */
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client.ts';
import { queryKeys } from './query-keys.ts';

/** Version, mode (electron | browser) and ledger location; they don't change while running. */
export function useAppInfo() {
  return useQuery({
    queryKey: queryKeys.appInfo(),
    queryFn: () => unwrap(api().app.info()),
    staleTime: Infinity,
  });
}

/** External programs Keyturn drives; re-checked on focus because the operator may install one meanwhile. */
export function useToolchain() {
  return useQuery({
    queryKey: queryKeys.toolchain(),
    queryFn: () => unwrap(api().toolchain.status()),
  });
}

/** Lab prerequisites, for the first-run screen. */
export function useLabDoctor() {
  return useQuery({
    queryKey: queryKeys.labDoctor(),
    queryFn: () => unwrap(api().lab.doctor()),
  });
}
