/**
 * Every kind of step a strategy names, declared once: whether a Pause may
 * take effect after it, and what undoing it takes (its inverse) or why it
 * needs no undoing. The strategies (strategy-steps.ts) are ordered lists of
 * these kinds; rollback composes its steps from these inverses.
 *
 * One table: the engine's step registry is a record over exactly these
 * kinds, so a kind without an implementation (or an implementation without a
 * declared kind) does not compile. Blue/green's kinds are listed in
 * `blueGreenKinds` too, so a rollback recognises a blue/green run by them.
 */

/** What undoing a completed step needs. */
export type StepInverse =
  /** The node runs the target now: put the version it came from back on it. */
  | 'revert-node'
  /** The node is out of the load balancer: put it back. */
  | 'enable-node'
  /** The load balancer answers 503 to everyone: end the maintenance. */
  | 'end-maintenance'
  /** Green exists (hosts, database, Keycloak): remove it (Terraform destroy of its workspace, or Keycloak stopped on a described standby). Blue never changed. */
  | 'destroy-green'
  /** Clients reach green (or the ledger says green is active): point the traffic back at blue, which kept serving unchanged, and record blue active again. */
  | 'switch-back'
  /** The serving colour's load balancer refuses writes (the write freeze): end the freeze. */
  | 'thaw'
  /** Nothing to undo (read-only, additive, or kept for forensics); `why` says which. */
  | 'none';

export interface StepKindRule {
  /** A Pause (or the canary) may stop the run right after this step: the cluster is in a state that can be left alone. */
  pauseAfter: boolean;
  inverse: StepInverse;
  /** Why the inverse is what it is: shown in the rollback plan. */
  why: string;
}

/**
 * Blue/green (the disaster-recovery way): green is cloned from a verified
 * backup of blue onto parallel hosts, upgraded, proven, then traffic switches
 * once. "green" in a kind names the role (the copy being built) and "blue"
 * the one serving; the steps' `colour` param names the real colour, which
 * alternates from one upgrade to the next.
 *
 * Pauses: none between the backup and the promotion gate, because the clone
 * point ages while a run waits and every write blue takes after it is
 * missing on green: the one place to wait is the gate, where green is proven.
 * None between the switch and the end of the watch either, because the
 * watch is what switches back on its own when green fails.
 */
const blueGreenRules = {
  'lb.freeze': { pauseAfter: false, inverse: 'thaw', why: "Blue's load balancer refuses the writes a copy would lose (503 with a message); sign-in and tokens keep working. Ending the freeze accepts them again." },
  'backup.verify': { pauseAfter: false, inverse: 'none', why: "Reads blue only: a fresh pg_dump, restored into a scratch database to prove it; its time is the clone point." },
  'green.provision': { pauseAfter: false, inverse: 'destroy-green', why: "Green's hosts, database and load balancer exist (a Terraform workspace for the colour, or the described standby taken into use) until they are destroyed." },
  'green.restore': { pauseAfter: false, inverse: 'destroy-green', why: "Green's database holds blue's data as of the clone point, its JGROUPS_PING emptied; blue's database was only read." },
  'green.install': { pauseAfter: false, inverse: 'destroy-green', why: "Green runs the target version and its first start migrated green's copy of the schema; blue is untouched." },
  'green.verify': { pauseAfter: false, inverse: 'none', why: "A check: green ready as one cluster of its own nodes, blue's view still exactly blue's." },
  'green.smoke': { pauseAfter: false, inverse: 'none', why: 'Requests to green through the preview path only; no client reaches green yet.' },
  'promotion.gate': { pauseAfter: true, inverse: 'none', why: 'A decision, no change: with manual promotion the run waits here until the operator promotes green.' },
  'traffic.switch': { pauseAfter: false, inverse: 'switch-back', why: 'Clients are sent to the other colour (an RFC 2136 DNS update, or one atomic change on the front HAProxy).' },
  'traffic.drain': { pauseAfter: false, inverse: 'none', why: "Waits while the colour traffic left keeps serving (TTL + grace) and reads its counters; nothing changes." },
  'lb.thaw': { pauseAfter: false, inverse: 'none', why: 'Writes are accepted again, as before the run.' },
  'traffic.watch': { pauseAfter: true, inverse: 'none', why: 'The prober watches the public name; above the failure threshold it switches back on its own.' },
  'standby.record': { pauseAfter: true, inverse: 'switch-back', why: 'The ledger records which colour is active and which is kept as standby; switching back records it the other way round.' },
  'green.destroy': { pauseAfter: true, inverse: 'none', why: 'Removes green only; blue never changed. Building green again is a new run.' },
} as const satisfies Record<string, StepKindRule>;

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
  ...blueGreenRules,
} as const satisfies Record<string, StepKindRule>;


/** A kind the engine executes. */
export type StepKind = keyof typeof stepKinds;

/** Whether the engine implements `k` (the executor refuses any other kind). */
export const isStepKind = (k: string): k is StepKind => Object.hasOwn(stepKinds, k);
/** Whether `k` is one of blue/green's kinds: a run naming one is undone by switching back, never by reinstalling. */
export const isBlueGreenKind = (k: string): k is keyof typeof blueGreenRules => Object.hasOwn(blueGreenRules, k);

/** Whether a Pause requested during `kind` may take effect once it finished. */
export const pausesAfter = (kind: string): boolean => isStepKind(kind) && stepKinds[kind].pauseAfter;
