/**
 * Upgrades: decide (Keycloak's own update-compatibility answer), write the
 * steps, execute them under the cluster lock; steer them (pause, abort);
 * resume a paused or interrupted run after looking at what really runs.
 */
import { KeyturnError } from '../../shared/errors.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import { assertLockFree } from '../ledger/locks-repo.ts';
import { getRun } from '../ledger/runs-repo.ts';
import { checkHealth } from '../tools/health.ts';
import { showServers } from '../tools/haproxy.ts';
import type { PlanService } from '../services/plan-service.ts';
import { loadBalancerOf, nodeAddress, type EngineDeps } from './engine-context.ts';
import { executeRun, type RunOutcome } from './executor.ts';
import { requestControl } from './run-control.ts';
import { attachRun, beginRun } from './run-recorder.ts';
import { rollingSteps } from './rolling-plan.ts';
import { isOwnerAlive } from '../services/process-owner.ts';
import { installedVersion } from './steps/node-access.ts';

export interface UpgradeInput {
  cluster: string;
  to: string;
  strategy: 'rolling' | 'auto';
  canary: boolean;
}

export interface Started {
  runId: string;
  done: Promise<RunOutcome>;
}

export function createUpgradeService(deps: EngineDeps, planner: Pick<PlanService, 'compute'>) {
  const controller = new Map<string, AbortController>();

  function launch(runId: string, clusterName: string, run: (signal: AbortSignal) => Promise<RunOutcome>): Started {
    const ac = new AbortController();
    controller.set(runId, ac);
    const done = run(ac.signal).finally(() => controller.delete(runId));
    return { runId, done };
  }

  return {
    /**
     * Checks the upgrade with kc.sh update-compatibility, then starts the
     * rolling run. Rolling runs only when Keycloak said 0; anything else is
     * refused here with the planner's reasons, before any change.
     */
    async start(input: UpgradeInput): Promise<Started> {
      const detail = getCluster(deps.db, input.cluster);
      if (detail.spec.keycloak.version === input.to) {
        throw new KeyturnError('invalid-input', `Cluster '${input.cluster}' already runs Keycloak ${input.to}.`, 'Pick another target version.');
      }
      loadBalancerOf(detail);
      // Busy is known now; the check below runs kc.sh for a minute before beginRun would find the lock taken.
      assertLockFree(deps.db, detail.id, { isOwnerAlive });
      const plan = await planner.compute({ cluster: input.cluster, to: input.to });
      const rolling = plan.strategies.find((s) => s.name === 'rolling');
      if (plan.check.exitCode !== 0 || !rolling?.available) {
        const why = plan.reasons.map((r) => r.message).join('; ') || `kc.sh update-compatibility check exited ${plan.check.exitCode}`;
        throw new KeyturnError('invalid-input', `A rolling upgrade of '${input.cluster}' from ${detail.spec.keycloak.version} to ${input.to} is not possible: ${why}.`,
          `Keycloak's check recommends ${plan.recommended ?? 'no strategy'}; see \`keyturn plan --cluster ${input.cluster} --to ${input.to}\`.`);
      }
      const steps = rollingSteps({ cluster: detail, to: input.to, canary: input.canary, backup: true });
      const rec = beginRun(deps, detail.id, { clusterId: detail.id, kind: 'upgrade', strategy: 'rolling', fromState: { version: detail.spec.keycloak.version }, toState: { version: input.to, planRunId: plan.runId } }, steps);
      rec.event('engine', 'upgrade.decided', 'info', { message: `Rolling upgrade ${detail.spec.keycloak.version} -> ${input.to}: kc.sh update-compatibility check exited 0`, planRunId: plan.runId });
      return launch(rec.runId, detail.name, (signal) => executeRun(deps, rec, detail.name, signal));
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
        const lb = loadBalancerOf(detail);
        const servers = await showServers(lb.runtimeApi, lb.backend).catch(() => []);
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
      } catch (err) {
        rec.fail(err);
        throw err;
      }
      rec.event('engine', 'run.resumed', 'info', { message: 'Resumed: continuing from the first step not completed' });
      return launch(runId, detail.name, (signal) => executeRun(deps, rec, detail.name, signal));
    },

    /** Stops local execution at once (process shutdown). */
    cancelAll() {
      for (const ac of controller.values()) ac.abort();
    },
  };
}

export type UpgradeService = ReturnType<typeof createUpgradeService>;
