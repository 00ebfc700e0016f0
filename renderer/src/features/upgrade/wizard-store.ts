/**
 * The upgrade wizard's draft, per cluster: the target, the option edits, the
 * plan run it asked for, the chosen strategy and canary, and the run it
 * started. UI state only (main holds the plan and the run; this holds which
 * ones the operator is looking at), kept in sessionStorage so a reload of
 * the window does not throw away a half-made decision.
 */
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { StrategyName } from '../../../../shared/contract/index.ts';
import type { EditRow } from './plan-edits.ts';

/** The wizard's steps, in order. */
export const wizardSteps = ['target', 'preflight', 'strategy', 'backup', 'run', 'verify'] as const;
export type WizardStep = (typeof wizardSteps)[number];

/** One cluster's draft. */
export interface WizardDraft {
  step: WizardStep;
  to: string | null;
  edits: EditRow[];
  /** The plan run started for `planKey`; a different target or edits make it stale. */
  planRunId: string | null;
  planKey: string | null;
  strategy: StrategyName | null;
  canary: boolean;
  /** Blue/green's promotion as the operator chose it (null: the plan's default for the environment); it goes into the plan request. */
  promote?: 'manual' | 'auto' | null;
  /** Blue/green's write freeze as the operator chose it (null: the planner's default); it goes into the plan request. */
  freeze?: 'on' | 'off' | null;
  /** What blue/green's copy keeps of the sessions it carries, as the operator chose it (null: the planner's default, keep-all). */
  sessions?: 'keep-all' | 'drop-online' | 'drop-all' | null;
  /** Set once `upgrade:start` answered; from then on the run, not the draft, is the truth. */
  runId: string | null;
}

/** A fresh draft (one empty edit row so the operator sees where edits go). */
export const emptyWizardDraft: WizardDraft = Object.freeze({
  step: 'target',
  to: null,
  edits: [],
  planRunId: null,
  planKey: null,
  strategy: null,
  canary: false,
  promote: null,
  freeze: null,
  sessions: null,
  runId: null,
}) as WizardDraft;

interface WizardState {
  drafts: Record<string, WizardDraft>;
  update: (cluster: string, patch: Partial<WizardDraft>) => void;
  /** Forgets the cluster's draft (after a finished run, or "Discard"). */
  reset: (cluster: string) => void;
}

/** The wizard store; persisted under one sessionStorage key. */
export const useWizardStore = create<WizardState>()(
  persist(
    (set) => ({
      drafts: {},
      update: (cluster, patch) => set((s) => ({ drafts: { ...s.drafts, [cluster]: { ...(s.drafts[cluster] ?? emptyWizardDraft), ...patch } } })),
      reset: (cluster) =>
        set((s) => {
          const { [cluster]: _gone, ...rest } = s.drafts;
          return { drafts: rest };
        }),
    }),
    { name: 'keyturn.upgrade-wizard', storage: createJSONStorage(() => sessionStorage), version: 1 },
  ),
);

/** The draft of `cluster` (a stable empty draft when there is none). */
export function useWizardDraft(cluster: string): WizardDraft {
  return useWizardStore((s) => s.drafts[cluster] ?? emptyWizardDraft);
}
