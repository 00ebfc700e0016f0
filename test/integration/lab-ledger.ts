/**
 * Read-side helpers for integration tests: what the ledger of the lab's
 * KEYTURN_HOME says about runs, steps, events and probe samples, read the
 * way an auditor would (a second process on the same WAL ledger file).
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { openLedger, type Ledger } from '../../electron/ledger/open-ledger.ts';

export function withLedger<T>(home: string, fn: (db: Ledger) => T): T {
  const db = openLedger(join(home, 'ledger.sqlite'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export interface StepRow { seq: number; kind: string; node: string | null; status: string; error: string | null }

export const stepsOf = (home: string, runId: string): StepRow[] =>
  withLedger(home, (db) => db.prepare('SELECT seq, kind, node, status, error FROM steps WHERE run_id = ? ORDER BY seq').all(runId) as StepRow[]);

export const runStatus = (home: string, runId: string): string =>
  withLedger(home, (db) => (db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string }).status);

export const latestRun = (home: string, kind: string): { id: string; status: string } | undefined =>
  withLedger(home, (db) => db.prepare('SELECT id, status FROM runs WHERE kind = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').get(kind) as { id: string; status: string } | undefined);

export const eventSeqs = (home: string, runId: string): number[] =>
  withLedger(home, (db) => (db.prepare('SELECT seq FROM events WHERE run_id = ? ORDER BY seq').all(runId) as { seq: number }[]).map((r) => r.seq));

export const probeCounts = (home: string, runId: string): { total: number; failed: number } =>
  withLedger(home, (db) => {
    const r = db.prepare('SELECT count(*) AS total, coalesce(sum(1 - ok), 0) AS failed FROM probe_samples WHERE run_id = ?').get(runId) as { total: number; failed: number };
    return r;
  });

export const backupsOfRun = (home: string, runId: string): number =>
  withLedger(home, (db) => (db.prepare('SELECT count(*) AS n FROM backups WHERE run_id = ?').get(runId) as { n: number }).n);

/** The data of a run's events of one kind, per node (e.g. `node.warmup`). */
export const eventsOfKind = (home: string, runId: string, kind: string): { node: string | null; data: Record<string, unknown> }[] =>
  withLedger(home, (db) => (db.prepare('SELECT node, data_json FROM events WHERE run_id = ? AND kind = ? ORDER BY seq').all(runId, kind) as { node: string | null; data_json: string }[])
    .map((r) => ({ node: r.node, data: JSON.parse(r.data_json) as Record<string, unknown> })));

/** Seconds the engine spent executing a run's steps (the prober runs through every one of them). */
export const executedSeconds = (home: string, runId: string): number =>
  withLedger(home, (db) => (db.prepare(`SELECT coalesce(sum((julianday(finished_at) - julianday(started_at)) * 86400), 0) AS s FROM steps
    WHERE run_id = ? AND started_at IS NOT NULL AND finished_at IS NOT NULL AND status IN ('succeeded', 'failed')`).get(runId) as { s: number }).s);

/**
 * What the prober measured during a run, with what makes "0 failed" mean
 * something: the least number of requests it must have sent (5 a second of
 * executed steps, a quarter of its ~20/s rate) and whether it said it was off.
 */
export function probeProof(home: string, runId: string): { total: number; failed: number; atLeast: number; disabled: string[] } {
  const { total, failed } = probeCounts(home, runId);
  const disabled = eventsOfKind(home, runId, 'probe.disabled').map((e) => String(e.data.message));
  return { total, failed, atLeast: Math.max(20, Math.floor(5 * executedSeconds(home, runId))), disabled };
}

/** Zero failed requests, with the proof that the prober really ran throughout the run (a count, no `probe.disabled`). */
export function expectZeroFailed(home: string, runId: string): void {
  const p = probeProof(home, runId);
  expect(p.disabled).toEqual([]);
  expect(p.failed).toBe(0);
  expect(p.total).toBeGreaterThanOrEqual(p.atLeast);
}

/**
 * The run executed exactly the plan the operator approved: the same kinds,
 * titles and nodes, in order, as the strategy the run's plan listed.
 */
export function expectRunIsPlan(home: string, runId: string): void {
  const { strategy, planRunId } = withLedger(home, (db) => {
    const r = db.prepare('SELECT strategy, to_state_json FROM runs WHERE id = ?').get(runId) as { strategy: string; to_state_json: string };
    return { strategy: r.strategy, planRunId: (JSON.parse(r.to_state_json) as { planRunId: string }).planRunId };
  });
  const plan = withLedger(home, (db) => JSON.parse((db.prepare('SELECT plan_json FROM plans WHERE run_id = ?').get(planRunId) as { plan_json: string }).plan_json) as { strategies: { name: string; steps: { kind: string; title: string; node: string | null }[] }[] });
  const planned = plan.strategies.find((s) => s.name === strategy)!.steps.map((s) => [s.kind, s.title, s.node]);
  const ran = withLedger(home, (db) => db.prepare('SELECT kind, title, node FROM steps WHERE run_id = ? ORDER BY seq').all(runId) as { kind: string; title: string; node: string | null }[]).map((s) => [s.kind, s.title, s.node]);
  expect(ran).toEqual(planned);
}
