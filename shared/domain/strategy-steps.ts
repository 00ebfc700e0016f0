/**
 * The steps each strategy runs, in order: one list that the plan shows, the
 * operator approves and the engine writes to the ledger and executes, so what
 * was read is what runs. Titles name the node and the version so the plan
 * reads as a runbook; `kind` is one of the step kinds the engine implements
 * (step-kinds.ts); `params` is what the step needs and nothing else.
 */
import type { PlanStep } from '../contract/plan.ts';
import type { VersionChange } from './versions.ts';

/** What the steps depend on. */
export interface StepFacts {
  change: VersionChange;
  nodes: readonly string[];
  loadBalancer: boolean;
  traffic: { kind: 'dns'; name: string; ttl: number } | { kind: 'haproxy'; name: string };
  /** The cluster's playbook can stage a version beside the running one (keycloak_phase=prepare|switch). */
  phased?: boolean;
  /** A probe client is configured: a started node is warmed up with token requests before it takes traffic. */
  warmup?: boolean;
  /** The complete non-secret Keycloak options of the target (secret ones stay references in the cluster). */
  options?: Readonly<Record<string, string>>;
}

type Params = Record<string, unknown>;
const step = (kind: string, title: string, node: string | null, params: Params): PlanStep => ({ kind, title, node, params });

function commonParams(f: StepFacts, strategy: string, extra: Params = {}): Params {
  return { to: f.change.to, from: f.change.from, strategy, phased: f.phased === true, ...(f.options ? { options: { ...f.options } } : {}), ...extra };
}

const minorOrMajor = (f: StepFacts) => f.change.kind === 'minor' || f.change.kind === 'major';

/** Stage the target on every node while it serves (only with a phased playbook). */
function stage(f: StepFacts, p: Params, nodes: readonly string[]): PlanStep[] {
  if (!f.phased || !nodes.length) return [];
  return [step('cluster.prepare', `Stage Keycloak ${f.change.to} with the target options on ${nodes.join(', ')} while they serve (copy, unpack, build)`, null, { ...p, nodes: [...nodes] })];
}

/** One node back into service after it started on its own: ready, in the cluster view, warm, in the load balancer. */
function rejoin(f: StepFacts, n: string, p: Params): PlanStep[] {
  return [
    step('node.ready', `${n}: wait for /health/ready`, n, p),
    step('node.joined', `${n}: verify it joined the cluster (size ${f.nodes.length})`, n, p),
    ...(f.warmup ? [step('node.warmup', `${n}: warm up with token requests before it takes traffic`, n, p)] : []),
    ...(f.loadBalancer ? [step('node.enable', `${n}: enable in the load balancer`, n, p)] : []),
  ];
}

const verify = (f: StepFacts, p: Params) => step('verify', `Verify: every node on ${f.change.to}, ready, one cluster of ${f.nodes.length}; record the new state`, null, p);

export interface RollingOptions {
  /** Take a backup first (an upgrade always does; a rollback already has one). */
  backup?: boolean;
  /** Only these nodes (a rollback skips nodes already on the old version); all when omitted. */
  only?: readonly string[];
  /** A rollback must be able to start with a node down (the one that failed). */
  requireReady?: boolean;
}

/** One node at a time: drain, switch, ready, joined, warm, enable; the others serve meanwhile. */
export function rollingSteps(f: StepFacts, o: RollingOptions = {}): PlanStep[] {
  const p = commonParams(f, 'rolling', { requireReady: o.requireReady ?? true });
  const nodes = f.nodes.filter((n) => !o.only || o.only.includes(n));
  const steps: PlanStep[] = [step('preflight', 'Preflight: every node reachable over SSH and ready; the target verified', null, p)];
  if (o.backup ?? true) steps.push(step('backup', 'Back up the database (pg_dump) before any node changes', null, p));
  steps.push(...stage(f, p, nodes));
  for (const n of nodes) {
    steps.push(
      ...(f.loadBalancer ? [step('node.drain', `${n}: drain in the load balancer (requests in flight finish)`, n, p)] : []),
      step('node.install', f.change.kind === 'same'
        ? `${n}: stop, apply the target options to Keycloak ${f.change.to}, start`
        : f.phased ? `${n}: stop, switch to Keycloak ${f.change.to}, start` : `${n}: stop, install Keycloak ${f.change.to}, start`, n, p),
      ...rejoin(f, n, p),
    );
  }
  return [...steps, verify(f, p)];
}

/** Every node stops behind a maintenance answer, the first starts (and migrates), then the others. */
export function recreateSteps(f: StepFacts): PlanStep[] {
  const p = commonParams(f, 'recreate', { requireReady: true });
  const [first, ...rest] = f.nodes;
  const steps: PlanStep[] = [
    step('preflight', 'Preflight: every node reachable over SSH and ready; the target verified', null, p),
    step('backup', 'Back up the database (pg_dump) while the cluster still serves', null, p),
    ...stage(f, p, f.nodes),
  ];
  steps.push(...downAndFirstUp(f, p, first, minorOrMajor(f) ? ' (it migrates the database schema)' : ''));
  for (const n of rest) steps.push(step('node.install', `${n}: start Keycloak ${f.change.to}${f.change.kind === 'same' ? ' with the target options' : ''}`, n, p), ...rejoin(f, n, p));
  return [...steps, verify(f, p)];
}

/** The outage part shared by recreate and restore: maintenance, stop all, (restore), first node up, maintenance over. */
function downAndFirstUp(f: StepFacts, p: Params, first: string | undefined, firstNote: string, restore?: PlanStep): PlanStep[] {
  const steps: PlanStep[] = [];
  if (f.loadBalancer) steps.push(step('lb.maintenance', 'Load balancer into maintenance: every request gets 503 with Retry-After (downtime starts)', null, p));
  steps.push(step('cluster.stop', `Stop Keycloak on ${f.nodes.join(', ')} at once${f.loadBalancer ? '' : ' (downtime starts)'}`, null, p));
  if (restore) steps.push(restore);
  if (!first) return steps;
  const solo = { ...p, joinCheck: false };
  steps.push(
    step('node.install', `${first}: start Keycloak ${f.change.to}${firstNote}`, first, solo),
    step('node.ready', `${first}: wait for /health/ready`, first, solo),
    // A cold JVM answers its first token requests in seconds: warm it while clients still get the maintenance answer, not timeouts.
    ...(f.warmup ? [step('node.warmup', `${first}: warm up with token requests before it takes traffic`, first, solo)] : []),
  );
  if (f.loadBalancer) steps.push(step('lb.end-maintenance', `End the maintenance: ${first} serves once HAProxy's own check sees it UP (downtime ends)`, first, solo));
  return steps;
}

export interface RestoreOptions {
  backupId: string;
  backupTakenAt: string;
  /** What happens to sessions in the restored database (default: drop online ones). */
  sessionPolicy?: 'drop-online' | 'keep-all' | 'drop-all';
}

/**
 * The way back once a newer version migrated the schema: maintenance, stop
 * every node, restore the pre-upgrade backup beside the migrated database
 * (kept under a dated name), start the old version. `f.change` goes from the
 * migrated version to the one being restored. Without a restore (`o` null:
 * the schema did not move) it is the same outage shape with the old version.
 */
export function restoreSteps(f: StepFacts, o: RestoreOptions | null): PlanStep[] {
  const p = o
    ? commonParams(f, 'restore', { requireReady: false, phased: false, backupId: o.backupId, sessionPolicy: o.sessionPolicy ?? 'drop-online' })
    : commonParams(f, 'recreate-back', { requireReady: false, phased: false });
  const [first, ...rest] = f.nodes;
  const restore = o ? step('db.restore', `Restore backup ${o.backupId.slice(0, 8)} (taken ${o.backupTakenAt}) beside the live database, then swap: the migrated one is kept under a dated name`, null, p) : undefined;
  const steps: PlanStep[] = [
    step('preflight', 'Preflight: every node reachable over SSH (a failed node may be down); the old version verified', null, p),
    ...downAndFirstUp(f, p, first, o ? ' on the restored database (its schema checked first)' : ' (its schema checked first)', restore),
  ];
  for (const n of rest) steps.push(step('node.install', `${n}: start Keycloak ${f.change.to}`, n, p), ...rejoin(f, n, p));
  return [...steps, verify(f, p)];
}

/** A green copy beside blue, then one traffic switch (described; the engine does not run it yet). */
export function blueGreenSteps(f: StepFacts): PlanStep[] {
  const switchTitle = f.traffic.kind === 'dns'
    ? `Switch ${f.traffic.name} to green (RFC 2136 DNS update, TTL ${f.traffic.ttl} s)`
    : `Switch ${f.traffic.name} to green's backend (HAProxy runtime API)`;
  const s = (kind: string, title: string) => step(kind, title, null, {});
  return [
    s('backup', "Back up blue's database (pg_dump)"),
    s('green.provision', `Create green: ${f.nodes.length} hosts, a database and a load balancer (Terraform)`),
    s('green.clone', "Clone blue's database into green's"),
    s('green.isolate', "Clear JGROUPS_PING in green's database so green never joins blue's cluster"),
    s('green.install', `Install Keycloak ${f.change.to} with the target options on green (Ansible)`),
    s('green.verify', `Verify green: every node ready, one cluster of ${f.nodes.length}, tokens issued by green directly`),
    s('traffic.switch', switchTitle),
    s('traffic.watch', 'Watch the traffic on green; blue keeps running, unchanged, as the way back'),
  ];
}
