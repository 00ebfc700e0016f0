/**
 * Plans computed by 'plan' runs. The plan is what the operator approved a
 * strategy from, so it is kept whole (check output, reasons, steps, rollback)
 * next to the run's events: the upgrade that follows can refer to it, and an
 * audit can see what Keyturn said before anything changed.
 */
import type { Plan } from '../../shared/contract/index.ts';
import { planSchema } from '../../shared/contract/index.ts';
import type { Ledger } from './open-ledger.ts';

export function insertPlan(db: Ledger, clusterId: string, plan: Plan): void {
  db.prepare(`INSERT INTO plans (run_id, cluster_id, from_version, to_version, exit_code, recommended, plan_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(plan.runId, clusterId, plan.from, plan.to, plan.check.exitCode, plan.recommended, JSON.stringify(plan), plan.createdAt);
}

/** The plan of a run, or undefined when that run computed none (yet). */
export function getPlan(db: Ledger, runId: string): Plan | undefined {
  const row = db.prepare('SELECT plan_json FROM plans WHERE run_id = ?').get(runId) as { plan_json: string } | undefined;
  return row ? planSchema.parse(JSON.parse(row.plan_json)) : undefined;
}
