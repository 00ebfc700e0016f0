/**
 * Rollback is composed, not improvised: it reads the steps the undone run
 * completed, takes each one's declared inverse (step-kinds.ts), and builds
 * the strategy that performs them:
 * - a blue/green run (switch-back): blue's database was never touched, so
 *   after the switch (`switch-back` inverse) traffic goes back to blue and is
 *   watched; before it (`destroy-green` only) green is destroyed or kept and
 *   blue, untouched, is verified;
 * - the schema moved (Liquibase changelog differs from the backup): only the
 *   backup brings the old version back, so restore;
 * - the undone run stopped every node (`cluster.stop`: a recreate): the old
 *   version comes back the same way, all nodes behind the maintenance answer;
 * - otherwise (rolling): the nodes it moved go back one at a time.
 */
import type { PlanStep } from '../contract/plan.ts';
import { isBlueGreenKind, isStepKind, stepKinds, type StepInverse } from './step-kinds.ts';
import { restoreSteps, rollingSteps, switchBackSteps, type Colour, type StepFacts } from './strategy-steps.ts';
import { median } from './median.ts';
import { startSeconds, stopSeconds, type ClusterFacts } from './strategy.ts';

export type RollbackMode = 'rolling-back' | 'restore' | 'recreate-back' | 'switch-back';

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
  /** The undone run's strategy as recorded; a blue/green run is also recognised by its step kinds. */
  strategy?: string | null;
  /** A blue/green run: what its steps' params said, and the operator's choice for green when it was never promoted. */
  blueGreen?: { colour?: Colour; provision?: 'terraform' | 'described'; keepGreen?: boolean; watchSeconds?: number; graceSeconds?: number };
}): ComposedRollback {
  const done = input.undone.filter(touched).filter((s) => isStepKind(s.kind));
  const rule = (s: UndoneStep) => stepKinds[s.kind as keyof typeof stepKinds];
  const needs = new Set<StepInverse>(done.map((s) => rule(s).inverse));
  const inverses = done
    .filter((s) => rule(s).inverse !== 'none')
    .map((s) => `${s.kind}${s.node ? ` (${s.node})` : ''}: ${rule(s).inverse}, because ${rule(s).why.charAt(0).toLowerCase()}${rule(s).why.slice(1)}`);
  if (input.strategy === 'blue-green' || input.undone.some((s) => isBlueGreenKind(s.kind))) {
    // Blue's database is never written by a blue/green run: the schema question does not arise.
    const steps = switchBackSteps(input.facts, { ...input.blueGreen, switched: needs.has('switch-back'), greenExists: needs.has('destroy-green'), froze: needs.has('thaw') });
    return { mode: 'switch-back', inverses, steps };
  }
  const stoppedAll = done.some((s) => s.kind === 'cluster.stop');
  if (input.schemaChanged) {
    if (!input.backup) throw new Error('composeRollback: a changed schema needs the pre-upgrade backup');
    return { mode: 'restore', inverses, steps: restoreSteps(input.facts, { backupId: input.backup.id, backupTakenAt: input.backup.takenAt, ...(input.sessionPolicy ? { sessionPolicy: input.sessionPolicy } : {}) }) };
  }
  if (stoppedAll || needs.has('end-maintenance')) return { mode: 'recreate-back', inverses, steps: restoreSteps(input.facts, null) };
  return { mode: 'rolling-back', inverses, steps: rollingSteps(input.facts, { backup: false, only: input.nodesToRevert, requireReady: false }) };
}

/** Seconds pg_restore is assumed to need before the first restore on a cluster is on record: a fixed part… */
export const restoreBaseSeconds = 15;
/** …plus the dump's size at this rate (MiB/s; a custom-format dump restores with its indexes rebuilt). */
export const restoreMiBPerSecond = 10;

/** What a rollback's outage is predicted to be, and from what. */
export interface RollbackDowntime {
  /** Null when the rollback has no full outage (rolling-back, switch-back). */
  seconds: number | null;
  /** "from this cluster's recorded steps: …" or "no history yet: default …"; null with `seconds`. */
  basis: string | null;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * The outage of a `restore` or `recreate-back`, predicted the way a recreate's
 * is (shared/domain/strategy.ts): every node's graceful stop, then (restore)
 * pg_restore beside the live database, then the first node's start to ready.
 * No migration: the version started is the one the schema (or the restored
 * backup) belongs to. Each part comes from this cluster's recorded steps
 * when it has them, else from a default, and the basis says which.
 * `rolling-back` moves one node at a time behind the load balancer, and
 * `switch-back` moves traffic to blue, which kept serving: no outage, null.
 */
export function predictRollbackDowntime(mode: RollbackMode, input: {
  /** What this cluster's earlier runs measured (plan-service's clusterHistory). */
  history?: ClusterFacts['history'];
  /** Durations (ms) of this cluster's earlier `db.restore` steps that succeeded. */
  restoreMs?: readonly number[];
  /** Size of the dump to restore (bytes), for the default restore estimate. */
  backupBytes?: number | null;
}): RollbackDowntime {
  if (mode === 'rolling-back' || mode === 'switch-back') return { seconds: null, basis: null };
  const stop = input.history?.stopSeconds ?? null;
  const start = input.history?.startSeconds ?? null;
  const samples = input.history?.samples ?? 0;
  const parts: { seconds: number; measured: boolean; text: string }[] = [
    stop !== null ? { seconds: stop, measured: true, text: `${stop} s stop` } : { seconds: stopSeconds, measured: false, text: `${stopSeconds} s stop` },
  ];
  if (mode === 'restore') {
    const restoreMs = input.restoreMs ?? [];
    const recorded = median(restoreMs);
    if (recorded !== null) {
      const s = Math.round(recorded / 1000);
      parts.push({ seconds: s, measured: true, text: `${s} s restore (median of ${restoreMs.length} restore${restoreMs.length === 1 ? '' : 's'})` });
    } else {
      const bytes = input.backupBytes ?? 0;
      const s = Math.round(restoreBaseSeconds + bytes / 1024 / 1024 / restoreMiBPerSecond);
      parts.push({ seconds: s, measured: false, text: `${s} s restore (${restoreBaseSeconds} s + ${mib(bytes)} dump at ${restoreMiBPerSecond} MiB/s)` });
    }
  }
  parts.push(start !== null
    ? { seconds: start, measured: true, text: `${start} s start to ready (${samples} node start${samples === 1 ? '' : 's'})` }
    : { seconds: startSeconds, measured: false, text: `${startSeconds} s start to ready` });
  const measured = parts.filter((p) => p.measured).map((p) => p.text);
  const defaults = parts.filter((p) => !p.measured).map((p) => p.text);
  const basis = !measured.length
    ? `no history yet: default ${defaults.join(' + ')}`
    : `from this cluster's recorded steps: ${measured.join(' + ')}${defaults.length ? `; default ${defaults.join(' + ')}` : ''}`;
  return { seconds: parts.reduce((sum, p) => sum + p.seconds, 0), basis };
}
