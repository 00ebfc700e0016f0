/**
 * One query key per contract channel, shaped `[channel, input?]`, so a whole
 * channel can be invalidated with `[channel]` (e.g. after `clusters:register`
 * every `clusters:list` view refetches) and a single input with the full key.
 */
import type { Channel } from '../../../shared/contract/index.ts';

/** Builds the key for one channel and input. */
function key<C extends Channel, I>(channel: C, input?: I): readonly [C] | readonly [C, I] {
  return input === undefined ? ([channel] as const) : ([channel, input] as const);
}

/** Query keys by channel. Mutations invalidate through these, never by hand-written arrays. */
export const queryKeys = {
  appInfo: () => key('app:info'),
  clusters: () => key('clusters:list'),
  cluster: (name: string) => key('clusters:get', { name }),
  /** Every `runs:list` query, whatever its filter. */
  runsAll: () => key('runs:list'),
  runs: (cluster?: string) => key('runs:list', { cluster: cluster ?? null }),
  run: (id: string) => key('runs:get', { id }),
  runEvents: (runId: string) => key('runs:events', { runId }),
  toolchain: () => key('toolchain:status'),
  labDoctor: () => key('lab:doctor'),
  labInstallPlan: () => key('lab:installPlan'),
  labStatus: () => key('lab:status'),
  planVersions: (cluster: string) => key('plan:versions', { cluster }),
  plan: (runId: string) => key('plan:get', { runId }),
  backups: (cluster: string) => key('backups:list', { cluster }),
  probeSummary: (runId: string) => key('runs:probeSummary', { runId }),
  probeSeries: (runId: string) => key('runs:probeSeries', { runId }),
  rollbackPlan: (cluster: string) => key('rollback:plan', { cluster }),
  /** Every `standby:list` query, whatever its cluster. */
  standbyAll: () => key('standby:list'),
  standby: (cluster: string) => key('standby:list', { cluster }),
} as const;
