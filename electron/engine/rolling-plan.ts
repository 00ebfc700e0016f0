/**
 * The ordered steps of a rolling upgrade (and of a rolling-back rollback),
 * written to the ledger before anything runs. Node steps carry their node, so
 * Pause can stop at a node boundary and the live view can group them.
 */
import type { ClusterDetail } from '../../shared/contract/index.ts';
import type { NewStep } from '../ledger/runs-repo.ts';

export interface RollingPlanInput {
  cluster: ClusterDetail;
  to: string;
  /** Pause after the first node (canary). */
  canary: boolean;
  /** Take a backup first (an upgrade always does; a rollback already has one). */
  backup: boolean;
  /** Only these nodes (a rollback skips nodes already on the old version); all when omitted. */
  nodes?: string[];
  /** A rollback must be able to start with a node down (the one that failed). */
  requireReady?: boolean;
}

export function rollingSteps(input: RollingPlanInput): NewStep[] {
  const { cluster, to } = input;
  const phased = cluster.spec.ansible?.phased === true;
  const common = { to, strategy: 'rolling', requireReady: input.requireReady ?? true, phased };
  const steps: NewStep[] = [{ kind: 'preflight', title: 'Preflight: every node reachable over SSH and ready', params: common }];
  if (input.backup) steps.push({ kind: 'backup', title: 'Back up the database (pg_dump)', params: common });
  const nodes = cluster.spec.nodes.filter((n) => !input.nodes || input.nodes.includes(n.name));
  if (phased && nodes.length) {
    steps.push({ kind: 'cluster.prepare', title: `Prepare Keycloak ${to} on ${nodes.map((n) => n.name).join(', ')} while they serve (copy, unpack, build)`, params: { ...common, nodes: nodes.map((n) => n.name) } });
  }
  nodes.forEach((n, i) => {
    steps.push(
      { kind: 'node.drain', title: `${n.name}: drain in the load balancer`, node: n.name, params: common },
      { kind: 'node.install', title: phased ? `${n.name}: stop, switch to Keycloak ${to}, start` : `${n.name}: stop, install Keycloak ${to}, start`, node: n.name, params: common },
      { kind: 'node.ready', title: `${n.name}: wait for /health/ready`, node: n.name, params: common },
      { kind: 'node.joined', title: `${n.name}: verify it joined the cluster`, node: n.name, params: common },
      ...(cluster.spec.probe ? [{ kind: 'node.warmup', title: `${n.name}: warm up with token requests before it takes traffic`, node: n.name, params: common }] : []),
      { kind: 'node.enable', title: `${n.name}: enable in the load balancer`, node: n.name, params: common },
    );
    if (i === 0 && input.canary && nodes.length > 1) steps.push({ kind: 'canary', title: `Canary: pause after ${n.name} for a look`, params: common });
  });
  steps.push({ kind: 'verify', title: `Verify: every node on ${to}, ready, one cluster`, params: common });
  return steps;
}

/** The steps of a rollback that must restore the database (downtime). */
export function restoreSteps(cluster: ClusterDetail, to: string, backupId: string): NewStep[] {
  const params = { to, backupId, strategy: 'restore' };
  return [
    { kind: 'cluster.stop', title: `Stop Keycloak on all ${cluster.spec.nodes.length} nodes (downtime starts)`, params },
    { kind: 'db.restore', title: `Restore the pre-upgrade backup ${backupId.slice(0, 8)}`, params },
    { kind: 'cluster.install', title: `Install and start Keycloak ${to} on every node (downtime ends)`, params },
    { kind: 'verify', title: `Verify: every node on ${to}, ready, one cluster`, params },
  ];
}
