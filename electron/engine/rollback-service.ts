/**
 * Rollback is planned, not improvised. It undoes a cluster's last upgrade:
 * first it stops forward progress, then compares Liquibase's changelog in the
 * live database with the pre-upgrade backup. Unchanged schema: the nodes go
 * back to the old version one at a time, as rolling. Changed schema: the old
 * version cannot run on it, so every node stops, the backup is restored and
 * the old version starts; that costs downtime and every write since the
 * backup, and is said before it happens.
 */
import type { RollbackPlan } from '../../shared/contract/upgrade.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import { getRun } from '../ledger/runs-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { isOwnerAlive } from '../services/process-owner.ts';
import type { EngineDeps } from './engine-context.ts';
import { executeRun } from './executor.ts';
import { requestControl } from './run-control.ts';
import { beginRun } from './run-recorder.ts';
import { restoreSteps, rollingSteps } from './rolling-plan.ts';
import { installedVersion } from './steps/node-access.ts';
import type { Started } from './upgrade-service.ts';

interface LastUpgrade {
  id: string;
  status: string;
  owner: string | null;
  from: string;
  to: string;
}

function lastUpgrade(db: Ledger, clusterId: string, clusterName: string): LastUpgrade {
  const row = db.prepare(`SELECT id, status, owner, from_state_json, to_state_json FROM runs WHERE cluster_id = ? AND kind = 'upgrade' ORDER BY created_at DESC, rowid DESC LIMIT 1`).get(clusterId) as
    { id: string; status: string; owner: string | null; from_state_json: string; to_state_json: string } | undefined;
  if (!row) throw new KeyturnError('not-found', `Cluster '${clusterName}' has no upgrade to roll back.`, 'Rollback undoes the last upgrade Keyturn ran on this cluster.');
  return { id: row.id, status: row.status, owner: row.owner, from: (JSON.parse(row.from_state_json) as { version: string }).version, to: (JSON.parse(row.to_state_json) as { version: string }).version };
}

const minutesAgo = (iso: string) => Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60_000));

export function createRollbackService(deps: EngineDeps) {
  /** Asks a running upgrade to stop after its current step and waits until it has. */
  async function stopForwardProgress(run: LastUpgrade): Promise<void> {
    if (run.status !== 'running' && run.status !== 'pending') return;
    if (run.owner && !isOwnerAlive(run.owner)) {
      deps.db.prepare(`UPDATE runs SET status = 'interrupted' WHERE id = ?`).run(run.id);
      return;
    }
    requestControl(deps.db, run.id, 'abort');
    const deadline = Date.now() + 30 * 60_000;
    while (Date.now() < deadline) {
      const status = getRun(deps.db, run.id).run.status;
      if (status !== 'running' && status !== 'pending') return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new KeyturnError('timeout', `Upgrade ${run.id} did not stop within 30 minutes.`, 'Look at its current step; abort it again, then roll back.');
  }

  async function plan(clusterName: string): Promise<RollbackPlan & { nodes: string[] }> {
    const detail = getCluster(deps.db, clusterName);
    const run = lastUpgrade(deps.db, detail.id, clusterName);
    const backup = deps.backups.list(clusterName).find((b) => b.runId === run.id) ?? null;
    const nodes: string[] = [];
    for (const n of detail.spec.nodes) {
      const v = await installedVersion(detail, n).catch(() => null);
      if (v !== run.from) nodes.push(n.name);
    }
    const stillRunning = run.status === 'running' || run.status === 'pending';
    let schemaChanged = false;
    if (backup) {
      const cmp = await deps.backups.compareWithLive(backup.id);
      schemaChanged = cmp.relation !== 'same';
    } else if (nodes.length) {
      throw new KeyturnError('not-found', `Upgrade ${run.id} has no backup, so Keyturn cannot tell whether the schema changed.`, 'The upgrade failed before its backup step; nothing should have changed. Check the nodes, then start a new run.');
    }
    const stop = stillRunning ? 'Stop the running upgrade after its current step. ' : '';
    if (!schemaChanged) {
      return {
        cluster: clusterName, runId: run.id, mode: 'rolling-back', fromVersion: run.to, toVersion: run.from, schemaChanged, nodes,
        backup: backup ? { id: backup.id, createdAt: backup.createdAt, size: backup.size } : null,
        downtime: 'None: one node at a time, drained in the load balancer first.',
        lostWrites: 'None: the database is not touched.',
        steps: nodes.length ? [`${stop}Put ${nodes.join(', ')} back on Keycloak ${run.from}, one at a time (drain, install, ready, joined, enable).`] : [`${stop}Every node already runs ${run.from}; only the cluster record is corrected.`],
        needsConfirmation: false,
        explanation: `The database schema is the one the backup recorded (Liquibase changelog unchanged), so Keycloak ${run.from} can run on it again.`,
      };
    }
    return {
      cluster: clusterName, runId: run.id, mode: 'restore', fromVersion: run.to, toVersion: run.from, schemaChanged, nodes: detail.spec.nodes.map((n) => n.name),
      backup: backup ? { id: backup.id, createdAt: backup.createdAt, size: backup.size } : null,
      downtime: `All ${detail.spec.nodes.length} nodes stop until the restore and the restart finish (a few minutes).`,
      lostWrites: `Every write since the backup (${minutesAgo(backup!.createdAt)} min ago): new users, sessions, admin changes.`,
      steps: [`${stop}Stop Keycloak on every node.`, `Restore backup ${backup!.id.slice(0, 8)} (taken ${backup!.createdAt}).`, `Install and start Keycloak ${run.from} on every node.`, 'Verify the cluster.'],
      needsConfirmation: true,
      explanation: `Keycloak ${run.to} migrated the database schema (Liquibase changelog moved on since the backup); ${run.from} cannot run on it. Migrations are forward-only: the way back is the backup.`,
    };
  }

  return {
    async plan(clusterName: string): Promise<RollbackPlan> {
      const { nodes: _nodes, ...p } = await plan(clusterName);
      return p;
    },

    async start(clusterName: string, confirm: boolean): Promise<Started> {
      const detail = getCluster(deps.db, clusterName);
      await stopForwardProgress(lastUpgrade(deps.db, detail.id, clusterName));
      const p = await plan(clusterName);
      if (p.needsConfirmation && !confirm) {
        throw new KeyturnError('invalid-input', `This rollback restores the database: ${p.downtime} ${p.lostWrites}`, 'Confirm it explicitly (console: Confirm rollback; CLI: --confirm).');
      }
      const steps = p.mode === 'rolling-back'
        ? rollingSteps({ cluster: detail, to: p.toVersion, canary: false, backup: false, nodes: p.nodes, requireReady: false })
        : restoreSteps(detail, p.toVersion, p.backup!.id);
      const rec = beginRun(deps, detail.id, { clusterId: detail.id, kind: 'rollback', strategy: p.mode, fromState: { version: p.fromVersion }, toState: { version: p.toVersion, undoes: p.runId } }, steps);
      rec.event('engine', 'rollback.planned', p.mode === 'restore' ? 'warn' : 'info', { message: p.explanation, mode: p.mode, downtime: p.downtime, lostWrites: p.lostWrites });
      const ac = new AbortController();
      return { runId: rec.runId, done: executeRun(deps, rec, detail.name, ac.signal) };
    },
  };
}

export type RollbackService = ReturnType<typeof createRollbackService>;
