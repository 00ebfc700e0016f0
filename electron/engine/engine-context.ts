/**
 * What every engine step gets: the ledger-backed recorder, the cluster as
 * the ledger knows it now, the step's parameters, an AbortSignal, and a way
 * to publish a node's state for the live view's node cards.
 */
import type { ClusterDetail, NodeSpec } from '../../shared/contract/index.ts';
import type { NodeState } from '../../shared/contract/upgrade.ts';
import { KeyturnError } from '../../shared/errors.ts';
import type { ArtifactService } from '../services/artifact-service.ts';
import type { BackupService } from '../services/backup-service.ts';
import type { RecorderDeps, RunRecorder } from '../runs/run-recorder.ts';

export interface EngineDeps extends RecorderDeps {
  home: string;
  artifacts: ArtifactService;
  backups: BackupService;
}

export interface StepContext {
  deps: EngineDeps;
  rec: RunRecorder;
  runId: string;
  cluster: ClusterDetail;
  params: Record<string, unknown>;
  node: NodeSpec | null;
  signal: AbortSignal;
  nodeState(node: string, state: NodeState, message?: string): void;
}

export type StepImpl = (ctx: StepContext) => Promise<void>;

/** The node a step is about, from the cluster spec; a step for a node that no longer exists is refused. */
export function nodeOf(cluster: ClusterDetail, name: string | null): NodeSpec | null {
  if (!name) return null;
  const node = cluster.spec.nodes.find((n) => n.name === name);
  if (!node) throw new KeyturnError('not-found', `Node ${name} is no longer part of cluster '${cluster.name}'.`, 'The cluster was edited during the run; abort it and start a new one.');
  return node;
}

/** A string parameter a step needs; its absence is a bug in the plan, said plainly. */
export function param(ctx: StepContext, key: string): string {
  const v = ctx.params[key];
  if (typeof v !== 'string' || !v) throw new KeyturnError('internal', `Step parameter '${key}' is missing.`, 'Abort the run and start a new one.');
  return v;
}

/** Where Keycloak answers on a node: its own address if set, else its SSH host. */
export const nodeAddress = (n: NodeSpec): string => n.address ?? n.host;

/** The load balancer a rolling run drains nodes through, or an error saying why rolling can't run. */
export function loadBalancerOf(cluster: ClusterDetail): { runtimeApi: string; backend: string } {
  const lb = cluster.spec.loadBalancer ?? (cluster.spec.traffic.kind === 'haproxy' ? cluster.spec.traffic : null);
  if (!lb) {
    throw new KeyturnError('invalid-input', `Cluster '${cluster.name}' has no load balancer Keyturn can drain nodes through.`,
      'Add loadBalancer: { kind: haproxy, runtimeApi, backend } to the cluster, or use a strategy with downtime (recreate).');
  }
  return { runtimeApi: lb.runtimeApi, backend: lb.backend };
}
