/**
 * Executes a run's steps as the ledger lists them, skipping those already
 * done: the same function starts a run and resumes one, because every step
 * is idempotent (check, then act). Between steps it honours Abort (stop now)
 * and Pause (only after a step that allows one); the availability prober runs
 * for as long as steps do.
 */
import type { NodeState } from '../../shared/contract/upgrade.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import { getRun, stepParams } from '../ledger/runs-repo.ts';
import { nodeOf, type EngineDeps } from './engine-context.ts';
import { startProber, type Prober } from './prober.ts';
import { runProbeTarget } from './run-probe-target.ts';
import { clearControl, pendingControl } from '../runs/run-control.ts';
import type { RunRecorder } from '../runs/run-recorder.ts';
import { isStepKind, pausesAfter } from '../../shared/domain/step-kinds.ts';
import { stepImpls } from './step-registry.ts';
import { measureDowntime } from './downtime.ts';

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

export interface ExecuteOptions {
  /** Pause once the first node is back in service (rolling's canary), at the first step boundary that allows a pause. */
  canary?: boolean;
  /** What the plan predicted for the outage, recorded next to what the prober measures. */
  predictedDowntimeSeconds?: number;
}

/** Runs every pending step of `rec`'s run; returns how it ended (failures are recorded and rethrown). */
export async function executeRun(deps: EngineDeps, rec: RunRecorder, clusterName: string, signal: AbortSignal, opts: ExecuteOptions = {}): Promise<RunOutcome> {
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
    // A Pause takes effect only where the step just finished allows it (step-kinds.ts): never between
    // stopping the last old node and starting the first new one.
    let pausable = true;
    const firstNode = steps.find((s) => s.node !== null)?.node ?? null;
    for (const [i, step] of steps.entries()) {
      if (step.status === 'succeeded' || step.status === 'skipped') {
        pausable = pausesAfter(step.kind);
        continue;
      }
      const control = pendingControl(deps.db, rec.runId);
      if (control === 'abort' || signal.aborted) throw new KeyturnError('aborted', 'Aborted by the operator after the last completed step.', 'The cluster is as the completed steps left it: resume is not possible; start a rollback or a new upgrade.');
      if (control === 'pause' && pausable) {
        clearControl(deps.db, rec.runId);
        await finishProber();
        rec.pause(`Paused before ${step.title}, as requested.`);
        return 'paused';
      }
      const prev = i > 0 ? steps[i - 1] : undefined;
      if (opts.canary && pausable && prev?.node === firstNode && firstNode !== null && step.node !== firstNode && prev.status === 'succeeded' && !canaryDone(steps, firstNode)) {
        rec.event('engine', 'canary.paused', 'info', { message: `Canary: ${firstNode} is back in service on the new version; look at it, then Resume (or Rollback)`, node: firstNode });
        await finishProber();
        rec.pause(`Canary node ${firstNode} done: look at it, then Resume (or Rollback).`);
        return 'paused';
      }
      if (!isStepKind(step.kind)) throw new KeyturnError('internal', `No implementation for step kind '${step.kind}'.`, 'This run was written by another Keyturn version; abort it and plan again.');
      const impl = stepImpls[step.kind];
      const cluster = getCluster(deps.db, clusterName);
      const params = stepParams(deps.db, rec.runId, step.seq);
      await rec.step(step.seq, () =>
        impl({ deps, rec, runId: rec.runId, cluster, params, node: nodeOf(cluster, step.node), signal, nodeState }).catch((err: unknown) => {
          if (step.node) nodeState(step.node, 'failed', (err as Error).message);
          throw err;
        }),
      );
      step.status = 'succeeded';
      pausable = pausesAfter(step.kind);
    }
    const summary = await finishProber();
    const downtime = summary ? measureDowntime(deps.db, rec.runId, opts.predictedDowntimeSeconds ?? null) : null;
    if (downtime) {
      const other = Object.entries(downtime.otherFailures).map(([r, n]) => `${n} ${r}`).join(', ');
      rec.event('probe', 'downtime.measured', other ? 'warn' : 'info', {
        message: `Downtime: predicted ${downtime.predictedSeconds ?? '?'} s, measured ${downtime.measuredSeconds ?? 0} s by the prober (${downtime.maintenanceAnswers} maintenance answers${other ? `; also ${other}` : ', no other failures'})`,
        ...downtime,
      });
    }
    rec.succeed({ ...(summary ? { probe: summary } : {}), ...(downtime ? { downtime } : {}) });
    return 'succeeded';
  } catch (err) {
    await finishProber().catch(() => null);
    rec.fail(err);
    if (err instanceof KeyturnError && err.code === 'aborted') return 'aborted';
    throw err;
  }
}

/** The canary pauses once per run: a resumed run has steps of a later node done, or was already paused there. */
function canaryDone(steps: readonly { node: string | null; status: string }[], firstNode: string): boolean {
  return steps.some((s) => s.node !== null && s.node !== firstNode && s.status === 'succeeded');
}
