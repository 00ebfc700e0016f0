/**
 * Rollback is composed, not improvised: it reads the steps the undone run
 * completed, takes each one's declared inverse (step-kinds.ts), and builds
 * the strategy that performs them:
 * - the schema moved (Liquibase changelog differs from the backup): only the
 *   backup brings the old version back, so restore;
 * - the undone run stopped every node (`cluster.stop`: a recreate): the old
 *   version comes back the same way, all nodes behind the maintenance answer;
 * - otherwise (rolling): the nodes it moved go back one at a time.
 */
import type { PlanStep } from '../contract/plan.ts';
import { stepKinds, isStepKind, type StepInverse } from './step-kinds.ts';
import { restoreSteps, rollingSteps, type StepFacts } from './strategy-steps.ts';

export type RollbackMode = 'rolling-back' | 'restore' | 'recreate-back';

export interface UndoneStep {
  kind: string;
  node: string | null;
  /** `succeeded`, or `running`/`failed` for the step that was under way: its effect may be partial, so it is undone too. */
  status: string;
}

export interface ComposedRollback {
  mode: RollbackMode;
  /** The inverses the undone run's steps declare, one readable line each. */
  inverses: string[];
  steps: PlanStep[];
}

const touched = (s: UndoneStep) => s.status === 'succeeded' || s.status === 'running' || s.status === 'failed';

export function composeRollback(input: {
  undone: readonly UndoneStep[];
  schemaChanged: boolean;
  /** Nodes not on the version being returned to (a rolling rollback skips the others). */
  nodesToRevert: readonly string[];
  /** `change` goes from the undone run's target back to its origin. */
  facts: StepFacts;
  backup: { id: string; takenAt: string } | null;
  sessionPolicy?: 'drop-online' | 'keep-all' | 'drop-all';
}): ComposedRollback {
  const done = input.undone.filter(touched).filter((s) => isStepKind(s.kind));
  const needs = new Set<StepInverse>(done.map((s) => stepKinds[s.kind as keyof typeof stepKinds].inverse));
  const inverses = done
    .filter((s) => stepKinds[s.kind as keyof typeof stepKinds].inverse !== 'none')
    .map((s) => `${s.kind}${s.node ? ` (${s.node})` : ''}: ${stepKinds[s.kind as keyof typeof stepKinds].inverse}, because ${stepKinds[s.kind as keyof typeof stepKinds].why.charAt(0).toLowerCase()}${stepKinds[s.kind as keyof typeof stepKinds].why.slice(1)}`);
  const stoppedAll = done.some((s) => s.kind === 'cluster.stop');
  if (input.schemaChanged) {
    if (!input.backup) throw new Error('composeRollback: a changed schema needs the pre-upgrade backup');
    return { mode: 'restore', inverses, steps: restoreSteps(input.facts, { backupId: input.backup.id, backupTakenAt: input.backup.takenAt, ...(input.sessionPolicy ? { sessionPolicy: input.sessionPolicy } : {}) }) };
  }
  if (stoppedAll || needs.has('end-maintenance')) return { mode: 'recreate-back', inverses, steps: restoreSteps(input.facts, null) };
  return { mode: 'rolling-back', inverses, steps: rollingSteps(input.facts, { backup: false, only: input.nodesToRevert, requireReady: false }) };
}
