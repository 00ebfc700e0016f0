/**
 * Probe samples in the ledger: every request the availability prober made
 * during a run, so its verdict ("zero failed requests") can be re-checked
 * and charted after the run, not only watched live.
 *
 * Samples arrive in batches, one transaction per second: at 20 requests/s a
 * transaction per request would contend with the run's own writes.
 */
import { KeyturnError } from '../../shared/errors.ts';
import type { Ledger } from './open-ledger.ts';
import type { ProbeSample } from '../../shared/contract/probe.ts';

export type { ProbeSample } from '../../shared/contract/probe.ts';

interface Row {
  at_ms: number;
  ok: number;
  status: number | null;
  reason: string | null;
  latency_ms: number;
  address: string | null;
}

const toSample = (r: Row): ProbeSample => ({ atMs: r.at_ms, ok: r.ok === 1, status: r.status, reason: r.reason, latencyMs: r.latency_ms, address: r.address });

/** Writes a batch of samples of one run in one transaction. */
export function insertProbeSamples(db: Ledger, runId: string, samples: readonly ProbeSample[]): void {
  if (samples.length === 0) return;
  const ins = db.prepare('INSERT INTO probe_samples (run_id, at_ms, ok, status, reason, latency_ms, address) VALUES (?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const s of samples) ins.run(runId, Math.round(s.atMs), s.ok ? 1 : 0, s.status, s.ok ? null : (s.reason ?? 'other'), Math.max(0, s.latencyMs), s.address);
  })();
}

function requireRun(db: Ledger, runId: string): void {
  if (!db.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId)) {
    throw new KeyturnError('not-found', `No run with id ${runId}.`, 'Pick a run from the history (`keyturn runs list`).');
  }
}

/** Every sample of a run (from `sinceMs` on), in start order. */
export function listProbeSamples(db: Ledger, runId: string, sinceMs = 0): ProbeSample[] {
  requireRun(db, runId);
  const rows = db.prepare('SELECT at_ms, ok, status, reason, latency_ms, address FROM probe_samples WHERE run_id = ? AND at_ms >= ? ORDER BY at_ms, rowid').all(runId, sinceMs) as Row[];
  return rows.map(toSample);
}
