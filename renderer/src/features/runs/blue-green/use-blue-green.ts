/**
 * A blue/green run's state with what it is read from: the plan it executes
 * (for the colours, before any event names them) and the cluster's colour
 * records (for each colour's nodes and version, and whether a switch back or
 * a decommission still applies). Polls the records while the run is active.
 */
import { useMemo } from 'react';
import type { ColourRecord, RunEvent, RunSummary, Step } from '../../../../../shared/contract/index.ts';
import { usePlan } from '../../../api/use-plan.ts';
import { useColours } from '../../../api/use-standby.ts';
import { decidedPlanRunId, foldBlueGreen, planColours, type BlueGreenState } from './blue-green-state.ts';

export interface BlueGreenView {
  state: BlueGreenState;
  /** The cluster's live colour records (empty until read, or when it has none). */
  records: readonly ColourRecord[];
  /** The records were read (an empty list then means the cluster has none). */
  recordsRead: boolean;
  /** The blue/green strategy's downtime words in the run's plan, if read. */
  planDowntime: string | null;
}

/** Folds `run` (call only for a blue/green or switch-back run). */
export function useBlueGreen(run: RunSummary, steps: readonly Step[], events: readonly RunEvent[], active: boolean): BlueGreenView {
  const planRunId = useMemo(() => decidedPlanRunId(events), [events]);
  const plan = usePlan(planRunId, true);
  const colours = useColours(run.clusterName ?? '', { enabled: run.clusterName !== null, live: active });
  const strategy = plan.data?.strategies.find((s) => s.name === 'blue-green');
  const records = useMemo(() => colours.data ?? [], [colours.data]);
  const state = useMemo(
    () => foldBlueGreen({ run, steps, events, plan: planColours(strategy?.steps), records }),
    [run, steps, events, strategy, records],
  );
  return { state, records, recordsRead: colours.isSuccess, planDowntime: strategy?.downtime.text ?? null };
}
