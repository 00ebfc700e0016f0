/**
 * Upgrades: decide (Keycloak's own update-compatibility answer), write the
 * steps, execute them under the cluster lock; steer them (pause, abort);
 * resume a paused or interrupted run after looking at what really runs.
 */
import { KeyturnError } from '../../shared/errors.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import { assertLockFree } from '../ledger/locks-repo.ts';
import { getRun, runStates } from '../ledger/runs-repo.ts';
import { checkHealth } from '../tools/health.ts';
import { showServers } from '../tools/haproxy.ts';
import type { PlanService } from '../services/plan-service.ts';
import type { ExecutableStrategy } from '../../shared/contract/upgrade.ts';
import type { Plan, ClusterDetail } from '../../shared/contract/index.ts';
import { loadBalancerOf, nodeAddress, type EngineDeps } from './engine-context.ts';
import { executeRun, type RunOutcome } from './executor.ts';
import { requestControl } from '../runs/run-control.ts';
import { attachRun, beginRun } from '../runs/run-recorder.ts';
import { isOwnerAlive } from '../runs/process-owner.ts';
import { installedVersion } from './steps/node-access.ts';
import { listColours } from '../ledger/colours-repo.ts';
import { colourAt, readTraffic } from './traffic-switch.ts';

const strategyLabel: Record<ExecutableStrategy, string> = { rolling: 'Rolling', recreate: 'Recreate', 'blue-green': 'Blue/green' };

export interface UpgradeInput {
  /** The plan run the operator approved. */
  plan: string;
  strategy: ExecutableStrategy;
  canary: boolean;
}

export interface Started {
  runId: string;
  done: Promise<RunOutcome>;
}

/**
 * Why a plan cannot run `name`, said the same way by the console and the CLI:
 * Keycloak's own reasons when the change rules it out, else what the cluster
 * lacks; the hint names what this plan can run instead.
 */
export function strategyRefusal(plan: Plan, name: string): KeyturnError {
  const s = plan.strategies.find((x) => x.name === name);
  const runnable = plan.strategies.filter((x) => x.executable).map((x) => x.name);
  const instead = runnable.length ? ` This plan can run: ${runnable.join(', ')}.` : '';
  if (!s?.available) {
    const why = plan.reasons.map((r) => r.message).join('; ') || s?.why || `kc.sh update-compatibility check exited ${plan.check.exitCode}`;
    return new KeyturnError('invalid-input', `A ${name} upgrade of '${plan.cluster}' from ${plan.from} to ${plan.to} is not possible: ${why}.`,
      `Keycloak's check recommends ${plan.recommended ?? 'no strategy'}.${instead} See keyturn plan --cluster ${plan.cluster} --to ${plan.to}.`);
  }
  return new KeyturnError('invalid-input', `Keyturn cannot run ${name} for '${plan.cluster}' (${plan.from} -> ${plan.to}): ${s.executableWhy}`, instead.trim() || `See keyturn plan --cluster ${plan.cluster} --to ${plan.to}.`);
}

/**
 * What a resumed blue/green run finds before it continues: where the public
 * name points (which colour's load balancer, or neither) and which colours
 * the ledger holds; the steps themselves are idempotent (Terraform's state,
 * the empty-database check of the clone, versions over SSH).
 */
async function reconcileColours(deps: EngineDeps, detail: ClusterDetail, rec: ReturnType<typeof attachRun>): Promise<void> {
  const colours = listColours(deps.db, detail.id);
  const points = await readTraffic(detail.spec).catch(() => null);
  const at = colourAt(detail.spec, points, colours);
  rec.event('engine', 'reconcile.traffic', 'info', {
    message: `${detail.spec.traffic.name} points at ${points ?? 'nothing Keyturn can read'}${at ? ` (${at.colour}'s ${detail.spec.traffic.kind === 'dns' ? 'load balancer' : 'backend on the front HAProxy'})` : ''}; colours: ${colours.map((c) => `${c.colour} ${c.role} ${c.version}`).join(', ') || 'none recorded'}`,
    points, colour: at?.colour ?? null,
  });
}

export function createUpgradeService(deps: EngineDeps, planner: Pick<PlanService, 'get' | 'basisOf'>) {
  /** Refuses a plan whose basis changed since it was computed, naming what changed. */
  async function assertFresh(plan: Plan, detail: ClusterDetail): Promise<void> {
    if (!plan.basis) throw new KeyturnError('conflict', `Plan ${plan.runId} records no basis to check it against.`, `Plan again: keyturn plan --cluster ${plan.cluster} --to ${plan.to}`);
    const now = await planner.basisOf(detail, plan.to, plan.basis.edits);
    const changed = [
      now.specSha256 !== plan.basis.specSha256 ? 'the cluster record (version, options, nodes or endpoints) was edited' : null,
      now.artifactSha256 !== plan.basis.artifactSha256 ? `the Keycloak ${plan.to} distribution in the artifact store is another file` : null,
      now.metadataSha256 !== plan.basis.metadataSha256 ? 'the compatibility metadata of the running deployment was taken again' : null,
    ].filter((x): x is string => x !== null);
    if (changed.length) {
      throw new KeyturnError('conflict', `Plan ${plan.runId.slice(0, 8)} for '${plan.cluster}' is stale: ${changed.join('; ')} since it was computed at ${plan.createdAt}.`,
        `Plan again (keyturn plan --cluster ${plan.cluster} --to ${plan.to}, or Pre-flight in the console) and approve the new plan.`);
    }
  }

  const controller = new Map<string, AbortController>();

  function launch(runId: string, clusterName: string, run: (signal: AbortSignal) => Promise<RunOutcome>): Started {
    const ac = new AbortController();
    controller.set(runId, ac);
    const done = run(ac.signal).finally(() => controller.delete(runId));
    return { runId, done };
  }

  return {
    /**
     * Runs the approved plan with the chosen strategy: exactly the steps the
     * plan listed (kinds, titles, parameters), after checking the strategy is
     * executable for it and the plan is not stale (the cluster record, the
     * target artifact and the compatibility metadata are still what it was
     * computed from). Refusals happen here, before any change.
     */
    async start(input: UpgradeInput): Promise<Started> {
      const plan = planner.get(input.plan);
      const detail = getCluster(deps.db, plan.cluster);
      const strategy = plan.strategies.find((s) => s.name === input.strategy);
      if (!strategy?.executable) throw strategyRefusal(plan, input.strategy);
      if (plan.from === plan.to && plan.options.changed.length === 0) {
        throw new KeyturnError('invalid-input', `Cluster '${plan.cluster}' already runs Keycloak ${plan.to} with these options: the plan changes nothing.`, 'Plan another version or an option change.');
      }
      if (strategy.steps.some((s) => !s.params)) {
        throw new KeyturnError('conflict', `Plan ${plan.runId} was computed by an older Keyturn and does not say how its steps run.`, `Plan again: keyturn plan --cluster ${plan.cluster} --to ${plan.to}`);
      }
      // Busy is known now; the freshness check below reads the artifact before beginRun would find the lock taken.
      assertLockFree(deps.db, detail.id, { isOwnerAlive });
      await assertFresh(plan, detail);
      const steps = strategy.steps.map((s) => ({ kind: s.kind, title: s.title, node: s.node, params: s.params ?? {} }));
      const targetOptions = steps[0]?.params.options;
      const rec = beginRun(deps, detail.id, {
        clusterId: detail.id, kind: 'upgrade', strategy: input.strategy,
        fromState: { version: plan.from, options: detail.spec.keycloak.options },
        toState: { version: plan.to, planRunId: plan.runId, ...(targetOptions ? { options: targetOptions } : {}), canary: input.canary, predictedDowntimeSeconds: strategy.downtime.seconds },
      }, steps);
      rec.event('engine', 'upgrade.decided', 'info', { message: `${strategyLabel[input.strategy]} ${plan.from} -> ${plan.to} as planned in ${plan.runId.slice(0, 8)}: kc.sh update-compatibility check exited ${plan.check.exitCode}; ${strategy.downtime.text}`, planRunId: plan.runId, strategy: input.strategy, predictedDowntimeSeconds: strategy.downtime.seconds });
      return launch(rec.runId, detail.name, (signal) => executeRun(deps, rec, detail.name, signal, { canary: input.canary, predictedDowntimeSeconds: strategy.downtime.seconds }));
    },

    /** Refuses at once when another run holds the cluster's lock: the CLI asks before it plans (kc.sh takes a minute). */
    assertFree(clusterName: string): void {
      assertLockFree(deps.db, getCluster(deps.db, clusterName).id, { isOwnerAlive });
    },

    pause(runId: string) {
      requestControl(deps.db, runId, 'pause');
      return { requested: true as const };
    },

    abort(runId: string) {
      requestControl(deps.db, runId, 'abort');
      return { requested: true as const };
    },

    /**
     * Continues a paused or interrupted run. First it looks at the cluster
     * (versions on disk over SSH, /health/ready, the load balancer) and
     * records what it finds; a node on a version this run neither came from
     * nor goes to stops the resume.
     */
    async resume(runId: string): Promise<Started> {
      const { run, steps } = getRun(deps.db, runId);
      if (run.status !== 'paused' && run.status !== 'interrupted') {
        throw new KeyturnError('conflict', `Run ${runId} is ${run.status}; only a paused or interrupted run can be resumed.`, 'Start a new run instead.');
      }
      if (!run.clusterName) throw new KeyturnError('not-found', `Run ${runId} belongs to no cluster.`, 'Start a new run instead.');
      const detail = getCluster(deps.db, run.clusterName);
      const rec = attachRun(deps, detail.id, runId, steps.map((s) => ({ kind: s.kind, title: s.title, node: s.node })));
      try {
        // A cluster without a load balancer (a recreate may run without one) reconciles its nodes only.
        const lb = detail.spec.loadBalancer || detail.spec.traffic.kind === 'haproxy' ? loadBalancerOf(detail) : null;
        const servers = lb ? await showServers(lb.runtimeApi, lb.backend).catch(() => []) : [];
        const known = new Set([run.fromVersion, run.toVersion]);
        for (const node of detail.spec.nodes) {
          const version = await installedVersion(detail, node).catch(() => null);
          const health = await checkHealth({ address: nodeAddress(node), managementPort: node.managementPort, path: '/health/ready', timeoutMs: 3000 });
          const server = servers.find((s) => s.name === node.name);
          rec.event('engine', 'reconcile.node', 'info', { message: `${node.name}: Keycloak ${version ?? 'unknown'}, ${health.status}, load balancer ${server ? `${server.adminState}/${server.status}` : 'unknown'}`, version, health: health.status, lb: server?.adminState ?? null }, node.name);
          if (version && !known.has(version)) {
            throw new KeyturnError('conflict', `${node.name} runs Keycloak ${version}, which run ${runId} neither started from (${run.fromVersion}) nor goes to (${run.toVersion}).`, 'Someone changed the cluster outside Keyturn: abort this run and plan again.');
          }
        }
        if (run.strategy === 'blue-green') await reconcileColours(deps, detail, rec);
      } catch (err) {
        rec.fail(err);
        throw err;
      }
      rec.event('engine', 'run.resumed', 'info', { message: 'Resumed: continuing from the first step not completed' });
      const predicted = Number(runStates(deps.db, run.id).toState.predictedDowntimeSeconds ?? NaN);
      return launch(runId, detail.name, (signal) => executeRun(deps, rec, detail.name, signal, Number.isFinite(predicted) ? { predictedDowntimeSeconds: predicted } : {}));
    },

    /** Stops local execution at once (process shutdown). */
    cancelAll() {
      for (const ac of controller.values()) ac.abort();
    },
  };
}

export type UpgradeService = ReturnType<typeof createUpgradeService>;
