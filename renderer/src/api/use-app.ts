/** Queries about the console itself and the machine it runs on. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
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

/** What installing the missing sandbox prerequisites takes, and whether Keyturn may do it here. */
export function useLabInstallPlan() {
  return useQuery({
    queryKey: queryKeys.labInstallPlan(),
    queryFn: () => unwrap(api().lab.installPlan()),
  });
}

/** Installs the missing prerequisites as a run (live apt progress); the doctor and the plan are re-read afterwards. */
export function useLabInstallPrerequisites() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api().lab.installPrerequisites()),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.runsAll() }),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: queryKeys.labDoctor() });
      void qc.invalidateQueries({ queryKey: queryKeys.labInstallPlan() });
    },
  });
}
