/**
 * Every kind of step the engine can execute, declared once: whether a Pause
 * may take effect after it, and what undoing it takes (its inverse) or why it
 * needs no undoing. The strategies (strategy-steps.ts) are ordered lists of
 * these kinds; the engine's step registry gives each kind its implementation
 * and is type-checked against this list, so a strategy can never name a step
 * the engine cannot run, and rollback composes its steps from these inverses.
 */

/** What undoing a completed step needs. */
export type StepInverse =
  /** The node runs the target now: put the version it came from back on it. */
  | 'revert-node'
  /** The node is out of the load balancer: put it back. */
  | 'enable-node'
  /** The load balancer answers 503 to everyone: end the maintenance. */
  | 'end-maintenance'
  /** Nothing to undo (read-only, additive, or kept for forensics); `why` says which. */
  | 'none';

export interface StepKindRule {
  /** A Pause (or the canary) may stop the run right after this step: the cluster is in a state that can be left alone. */
  pauseAfter: boolean;
  inverse: StepInverse;
  /** Why the inverse is what it is: shown in the rollback plan. */
  why: string;
}

export const stepKinds = {
  preflight: { pauseAfter: true, inverse: 'none', why: 'Reads only: SSH, health, the load balancer, the artifact.' },
  backup: { pauseAfter: true, inverse: 'none', why: 'The dump is kept; nothing in the cluster changed.' },
  'cluster.prepare': { pauseAfter: true, inverse: 'none', why: 'The target is staged beside the running version, which keeps serving; it is never started.' },
  'node.drain': { pauseAfter: false, inverse: 'enable-node', why: 'The node is out of the load balancer until it is enabled again.' },
  'node.install': { pauseAfter: false, inverse: 'revert-node', why: 'The node runs the target version; if its start migrated the schema, only the backup brings the old one back.' },
  'node.ready': { pauseAfter: false, inverse: 'none', why: 'A check.' },
  'node.joined': { pauseAfter: false, inverse: 'none', why: 'A check.' },
  'node.warmup': { pauseAfter: false, inverse: 'none', why: 'Token requests to the node only.' },
  'node.enable': { pauseAfter: true, inverse: 'none', why: 'The node serves again, as before the run.' },
  'lb.maintenance': { pauseAfter: false, inverse: 'end-maintenance', why: 'Every client gets 503 until the maintenance ends.' },
  'cluster.stop': { pauseAfter: false, inverse: 'revert-node', why: 'Every node is stopped: a start on the version it came from brings it back.' },
  'db.restore': { pauseAfter: false, inverse: 'none', why: 'The replaced database is kept under a dated name, never dropped by a run.' },
  'lb.end-maintenance': { pauseAfter: true, inverse: 'none', why: 'Clients are served again.' },
  verify: { pauseAfter: true, inverse: 'none', why: 'A check; it records the version the cluster reached.' },
} as const satisfies Record<string, StepKindRule>;

export type StepKind = keyof typeof stepKinds;

export const isStepKind = (k: string): k is StepKind => Object.hasOwn(stepKinds, k);

/** Whether a Pause requested during `kind` may take effect once it finished. */
export const pausesAfter = (kind: string): boolean => isStepKind(kind) && stepKinds[kind].pauseAfter;
