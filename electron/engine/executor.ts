/**
 * Executes a run's steps as the ledger lists them, skipping those already
 * done: the same function starts a run and resumes one, because every step
 * is idempotent (check, then act). Between steps it honours Abort (stop now)
 * and Pause (stop at the next node boundary); the availability prober runs
 * for as long as steps do.
 */
import type { NodeState } from '../../shared/contract/upgrade.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import { getRun } from '../ledger/runs-repo.ts';
import { nodeOf, type EngineDeps, type StepImpl } from './engine-context.ts';
import { startProber, type Prober } from './prober.ts';
import { runProbeTarget } from './run-probe-target.ts';
import { clearControl, pendingControl } from './run-control.ts';
import type { RunRecorder } from './run-recorder.ts';
import { backup, preflight, verifyCluster } from './steps/cluster-steps.ts';
import { drainNode, enableNode, installNode, verifyNodeJoined, waitNodeReady, warmUpNode } from './steps/node-steps.ts';
import { prepareCluster } from './steps/prepare-steps.ts';
import { installCluster, restoreDatabase, stopCluster } from './steps/restore-steps.ts';

const impls: Record<string, StepImpl> = {
  preflight,
  backup,
  'cluster.prepare': prepareCluster,
  'node.drain': drainNode,
  'node.install': installNode,
  'node.ready': waitNodeReady,
  'node.joined': verifyNodeJoined,
  'node.warmup': warmUpNode,
  'node.enable': enableNode,
  verify: verifyCluster,
  'cluster.stop': stopCluster,
  'db.restore': restoreDatabase,
  'cluster.install': installCluster,
};

export type RunOutcome = 'succeeded' | 'paused' | 'aborted' | 'failed';

/** Starts the prober on the cluster's public name, when the cluster says how. */
async function startRunProber(deps: EngineDeps, rec: RunRecorder, clusterName: string, signal: AbortSignal): Promise<Prober | null> {
  const probe = await runProbeTarget(clusterName, getCluster(deps.db, clusterName).spec, (s) => rec.addSecrets(s));
  if ('disabled' in probe) {
    rec.event('probe', 'probe.disabled', 'warn', { message: probe.disabled });
    return null;
  }
  return startProber({
    db: deps.db,
    runId: rec.runId,
    events: rec,
    target: probe.target,
    ratePerSecond: probe.ratePerSecond,
    // A token request with no answer within 5 s counts as failed: what a login page would show as an outage.
    timeoutMs: 5000,
    maxDurationMs: 6 * 3_600_000,
    signal,
  });
}

/** Runs every pending step of `rec`'s run; returns how it ended (failures are recorded and rethrown). */
export async function executeRun(deps: EngineDeps, rec: RunRecorder, clusterName: string, signal: AbortSignal): Promise<RunOutcome> {
  const states = new Map<string, NodeState>();
  const nodeState = (node: string, state: NodeState, message?: string) => {
    if (states.get(node) === state && !message) return;
    states.set(node, state);
    rec.event('engine', 'node.state', state === 'failed' ? 'error' : 'info', { node, state, message: message ?? `${node}: ${state}` }, node);
  };
  const prober = await startRunProber(deps, rec, clusterName, signal).catch((err: unknown) => {
    rec.event('probe', 'probe.disabled', 'warn', { message: `The prober could not start: ${(err as Error).message}` });
    return null;
  });
  const finishProber = async () => {
    if (!prober) return null;
    const s = await prober.stop();
    rec.event('probe', 'probe.summary', s.failed > 0 ? 'warn' : 'info', { message: `Prober: ${s.requests} requests, ${s.failed} failed, p50 ${s.p50Ms?.toFixed(0) ?? '-'} ms, p99 ${s.p99Ms?.toFixed(0) ?? '-'} ms`, ...s });
    return s;
  };

  try {
    const { steps } = getRun(deps.db, rec.runId);
    const cluster0 = getCluster(deps.db, clusterName);
    for (const n of cluster0.spec.nodes) if (!steps.some((s) => s.node === n.name && s.status === 'succeeded')) nodeState(n.name, 'waiting');
    let prevNode: string | null = null;
    for (const step of steps) {
      if (step.status === 'succeeded' || step.status === 'skipped') {
        prevNode = step.node ?? prevNode;
        continue;
      }
      const control = pendingControl(deps.db, rec.runId);
      if (control === 'abort' || signal.aborted) throw new KeyturnError('aborted', 'Aborted by the operator after the last completed step.', 'The cluster is as the completed steps left it: resume is not possible; start a rollback or a new upgrade.');
      const boundary = step.node !== null && step.node !== prevNode;
      if (control === 'pause' && (boundary || step.kind === 'verify')) {
        clearControl(deps.db, rec.runId);
        await finishProber();
        rec.pause(`Paused before ${step.title}, as requested.`);
        return 'paused';
      }
      if (step.kind === 'canary') {
        rec.skip(step.seq, 'Canary: paused after the first node; resume to continue.');
        await finishProber();
        rec.pause('Canary node done: look at it, then Resume (or Rollback).');
        return 'paused';
      }
      const impl = impls[step.kind];
      if (!impl) throw new KeyturnError('internal', `No implementation for step kind '${step.kind}'.`, 'This run was written by another Keyturn version; abort it.');
      const cluster = getCluster(deps.db, clusterName);
      const params = (deps.db.prepare('SELECT params_json FROM steps WHERE run_id = ? AND seq = ?').get(rec.runId, step.seq) as { params_json: string }).params_json;
      await rec.step(step.seq, () =>
        impl({ deps, rec, runId: rec.runId, cluster, params: JSON.parse(params) as Record<string, unknown>, node: nodeOf(cluster, step.node), signal, nodeState }).catch((err: unknown) => {
          if (step.node) nodeState(step.node, 'failed', (err as Error).message);
          throw err;
        }),
      );
      prevNode = step.node ?? prevNode;
    }
    const summary = await finishProber();
    rec.succeed(summary ? { probe: summary } : {});
    return 'succeeded';
  } catch (err) {
    await finishProber().catch(() => null);
    rec.fail(err);
    if (err instanceof KeyturnError && err.code === 'aborted') return 'aborted';
    throw err;
  }
}
