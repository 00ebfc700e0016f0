/**
 * The steps each strategy would run, in order, as the plan shows them before
 * anything executes. Titles name the node and the version so an operator can
 * read the plan as a runbook; `kind` is what the engine will execute.
 */
import type { PlanStep } from '../contract/plan.ts';
import type { VersionChange } from './versions.ts';

/** What the steps depend on. */
export interface StepFacts {
  change: VersionChange;
  nodes: readonly string[];
  loadBalancer: boolean;
  traffic: { kind: 'dns'; name: string; ttl: number } | { kind: 'haproxy'; name: string };
}

const step = (kind: string, title: string, node: string | null = null): PlanStep => ({ kind, title, node });

function applyTitle(f: StepFacts, node: string): string {
  return f.change.kind === 'same'
    ? `Apply the target options to ${node} and rebuild it (Keycloak ${f.change.to})`
    : `Switch ${node} to Keycloak ${f.change.to} with the target options (built beside the running version)`;
}

/** The database restore a downgrade needs: Liquibase migrations only go forward. */
function restoreIfDowngrade(f: StepFacts): PlanStep[] {
  if (f.change.direction !== 'down') return [];
  return [step('backup.restore', `Restore the backup taken on Keycloak ${f.change.to} if the schema changed since (DATABASECHANGELOG compared with the backup)`)];
}

const closing = (f: StepFacts): PlanStep[] => [
  step('verify.cluster', `Verify: every node ready, one cluster of ${f.nodes.length}, tokens through ${f.traffic.name}`),
  step('metadata.capture', `Record update-compatibility metadata of the new deployment`),
];

/** One node at a time: drain, stop, switch, start, rejoin, undrain. */
export function rollingSteps(f: StepFacts): PlanStep[] {
  const steps: PlanStep[] = [step('backup.database', 'Back up the database (pg_dump) before any node changes')];
  for (const n of f.nodes) {
    if (f.loadBalancer) steps.push(step('lb.drain', `Drain ${n} in the load balancer (no new requests)`, n));
    steps.push(step('node.stop', `Stop ${n} gracefully (its caches rebalance to the other nodes)`, n));
    steps.push(step('node.apply', applyTitle(f, n), n));
    steps.push(step('node.start', `Start ${n} and wait for /health/ready`, n));
    steps.push(step('node.join', `Wait until ${n} is back in the cluster view (size ${f.nodes.length})`, n));
    if (f.loadBalancer) steps.push(step('lb.enable', `Put ${n} back into the load balancer`, n));
  }
  return [...steps, ...closing(f)];
}

/** All nodes down, then up on the target: the first start migrates the schema. */
export function recreateSteps(f: StepFacts): PlanStep[] {
  const [first, ...rest] = f.nodes;
  const steps: PlanStep[] = [
    step('backup.database', 'Back up the database (pg_dump); the cluster is still serving'),
    step('node.stage', `Stage Keycloak ${f.change.to} with the target options on every node (the running version keeps serving)`),
  ];
  if (f.loadBalancer) steps.push(step('lb.maintenance', 'Put the load balancer into maintenance (clients get 503 instead of errors)'));
  for (const n of f.nodes) steps.push(step('node.stop', `Stop ${n}`, n));
  steps.push(...restoreIfDowngrade(f));
  for (const n of f.nodes) steps.push(step('node.apply', applyTitle(f, n), n));
  if (first) steps.push(step('node.start', `Start ${first} first${f.change.kind === 'minor' || f.change.kind === 'major' ? ' (it migrates the database schema)' : ''} and wait for /health/ready`, first));
  for (const n of rest) steps.push(step('node.start', `Start ${n} and wait for /health/ready`, n));
  if (f.loadBalancer) steps.push(step('lb.enable', 'End the maintenance: every ready node back in the load balancer'));
  return [...steps, ...closing(f)];
}

/** A green copy beside blue, then one traffic switch. */
export function blueGreenSteps(f: StepFacts): PlanStep[] {
  const switchTitle = f.traffic.kind === 'dns'
    ? `Switch ${f.traffic.name} to green (RFC 2136 DNS update, TTL ${f.traffic.ttl} s)`
    : `Switch ${f.traffic.name} to green's backend (HAProxy runtime API)`;
  return [
    step('backup.database', "Back up blue's database (pg_dump)"),
    step('green.provision', `Create green: ${f.nodes.length} hosts, a database and a load balancer (Terraform)`),
    step('green.clone', "Clone blue's database into green's"),
    ...(f.change.direction === 'down' ? [step('backup.restore', `Load green's database from the backup taken on Keycloak ${f.change.to} if the schema changed since`)] : []),
    step('green.isolate', "Clear JGROUPS_PING in green's database so green never joins blue's cluster"),
    step('green.install', `Install Keycloak ${f.change.to} with the target options on green (Ansible)`),
    step('green.verify', `Verify green: every node ready, one cluster of ${f.nodes.length}, tokens issued by green directly`),
    step('traffic.switch', switchTitle),
    step('traffic.watch', 'Watch the traffic on green; blue keeps running, unchanged, as the way back'),
    step('metadata.capture', 'Record update-compatibility metadata of green'),
  ];
}
