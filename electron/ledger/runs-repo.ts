/**
 * Runs, steps and events: the audit trail.
 *
 * Events are numbered per run inside the same transaction that inserts them,
 * so two writers never produce the same `seq` and a reader that asks for
 * "everything after seq N" never misses one.
 *
 * Every function that writes free text here (event data, a run's error with
 * its details, a step's error) takes a `Redactor` as a required argument and
 * applies it itself, so no caller can store a secret by forgetting to.
 */
import type { RunEvent, RunStatus, RunSummary, Step } from '../../shared/contract/index.ts';
import type { KeyturnErrorShape } from '../../shared/errors.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { redactDeep, redactErrorShape, type Redactor } from '../tools/redact.ts';
import { newId, nowIso } from './clock.ts';
import type { Ledger } from './open-ledger.ts';

interface RunRow {
  id: string;
  cluster_id: string | null;
  cluster_name: string | null;
  kind: string;
  strategy: string | null;
  status: RunStatus;
  from_state_json: string | null;
  to_state_json: string | null;
  error_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  control: string | null;
}

export interface NewRun {
  clusterId: string | null;
  kind: string;
  strategy?: string | null;
  fromState?: Record<string, unknown> | null;
  toState?: Record<string, unknown> | null;
  owner?: string;
}

export interface NewStep {
  kind: string;
  title: string;
  node?: string | null;
  params?: Record<string, unknown>;
}

const runSelect = `SELECT r.*, c.name AS cluster_name FROM runs r LEFT JOIN clusters c ON c.id = r.cluster_id`;

function toSummary(r: RunRow): RunSummary {
  const from = r.from_state_json ? (JSON.parse(r.from_state_json) as { version?: string }) : null;
  const to = r.to_state_json ? (JSON.parse(r.to_state_json) as { version?: string }) : null;
  const err = r.error_json ? (JSON.parse(r.error_json) as KeyturnErrorShape) : null;
  return {
    id: r.id,
    clusterName: r.cluster_name,
    kind: r.kind,
    strategy: r.strategy,
    status: r.status,
    fromVersion: from?.version ?? null,
    toVersion: to?.version ?? null,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: err ? { code: err.code, message: err.message, hint: err.hint } : null,
    control: r.control === 'pause' || r.control === 'abort' ? r.control : null,
  };
}

/** Creates a run with its ordered steps, all before anything executes. */
export function createRun(db: Ledger, run: NewRun, steps: NewStep[] = []): string {
  const id = newId();
  db.transaction(() => {
    db.prepare(`INSERT INTO runs (id, cluster_id, kind, strategy, status, from_state_json, to_state_json, owner, created_at)
      VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)`).run(id, run.clusterId, run.kind, run.strategy ?? null,
      run.fromState ? JSON.stringify(run.fromState) : null, run.toState ? JSON.stringify(run.toState) : null, run.owner ?? null, nowIso());
    const ins = db.prepare(`INSERT INTO steps (run_id, seq, kind, title, node, params_json, status) VALUES (?, ?, ?, ?, ?, ?, 'pending')`);
    steps.forEach((s, i) => ins.run(id, i, s.kind, s.title, s.node ?? null, JSON.stringify(s.params ?? {})));
  })();
  return id;
}

/** Moves a run to a new status; terminal states stamp `finished_at`. The error (message, hint, details) is stored redacted. */
export function setRunStatus(db: Ledger, runId: string, status: RunStatus, redact: Redactor, error?: KeyturnErrorShape): void {
  const terminal = status === 'succeeded' || status === 'failed' || status === 'aborted';
  const at = nowIso();
  db.prepare(`UPDATE runs SET status = ?,
      started_at = CASE WHEN started_at IS NULL AND ? = 'running' THEN ? ELSE started_at END,
      finished_at = CASE WHEN ? THEN ? ELSE finished_at END,
      error_json = COALESCE(?, error_json)
    WHERE id = ?`).run(status, status, at, terminal ? 1 : 0, at, error ? JSON.stringify(redactErrorShape(error, redact)) : null, runId);
}

/** Records a step transition; the error text is stored redacted. */
export function setStepStatus(db: Ledger, runId: string, seq: number, status: Step['status'], redact: Redactor, error?: string): void {
  const at = nowIso();
  db.prepare(`UPDATE steps SET status = ?,
      started_at = CASE WHEN ? = 'running' THEN ? ELSE started_at END,
      finished_at = CASE WHEN ? IN ('succeeded','failed','skipped') THEN ? ELSE finished_at END,
      error = COALESCE(?, error)
    WHERE run_id = ? AND seq = ?`).run(status, status, at, status, at, error === undefined ? null : redact(error), runId, seq);
}

/** Persists one event, its data redacted, and returns it as stored with its `seq`; callers emit only what this returns. */
export function appendEvent(db: Ledger, event: Omit<RunEvent, 'seq' | 'at'> & { at?: string }, redact: Redactor): RunEvent {
  const e = { ...event, data: redactDeep(event.data, redact) };
  const at = e.at ?? nowIso();
  return db.transaction(() => {
    const row = db.prepare('SELECT coalesce(max(seq), -1) + 1 AS next FROM events WHERE run_id = ?').get(e.runId) as { next: number };
    db.prepare('INSERT INTO events (run_id, seq, at, source, node, level, kind, data_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.runId, row.next, at, e.source, e.node, e.level, e.kind, JSON.stringify(e.data));
    return { ...e, at, seq: row.next };
  }).immediate();
}

export function listRuns(db: Ledger, opts: { clusterId?: string; limit?: number } = {}): RunSummary[] {
  const limit = opts.limit ?? 100;
  const rows = opts.clusterId
    ? (db.prepare(`${runSelect} WHERE r.cluster_id = ? ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?`).all(opts.clusterId, limit) as RunRow[])
    : (db.prepare(`${runSelect} ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?`).all(limit) as RunRow[]);
  return rows.map(toSummary);
}

export function getRun(db: Ledger, runId: string): { run: RunSummary; steps: Step[] } {
  const row = db.prepare(`${runSelect} WHERE r.id = ?`).get(runId) as RunRow | undefined;
  if (!row) throw new KeyturnError('not-found', `No run with id ${runId}.`, 'Pick a run from the history (`keyturn runs list`).');
  const steps = db.prepare('SELECT seq, kind, title, node, status, started_at, finished_at, error FROM steps WHERE run_id = ? ORDER BY seq').all(runId) as {
    seq: number; kind: string; title: string; node: string | null; status: Step['status']; started_at: string | null; finished_at: string | null; error: string | null;
  }[];
  return {
    run: toSummary(row),
    steps: steps.map((s) => ({ seq: s.seq, kind: s.kind, title: s.title, node: s.node, status: s.status, startedAt: s.started_at, finishedAt: s.finished_at, error: s.error })),
  };
}

export function listEvents(db: Ledger, runId: string, afterSeq = -1, limit = 1000): RunEvent[] {
  if (!db.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId)) {
    throw new KeyturnError('not-found', `No run with id ${runId}.`, 'Pick a run from the history.');
  }
  const rows = db.prepare('SELECT * FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(runId, afterSeq, limit) as {
    run_id: string; seq: number; at: string; source: RunEvent['source']; node: string | null; level: RunEvent['level']; kind: string; data_json: string;
  }[];
  return rows.map((r) => ({ runId: r.run_id, seq: r.seq, at: r.at, source: r.source, node: r.node, level: r.level, kind: r.kind, data: JSON.parse(r.data_json) as Record<string, unknown> }));
}

/** Runs left `running` by a process that died: the next start marks them `interrupted` for Resume/Rollback. */
export function markInterrupted(db: Ledger, isOwnerAlive: (owner: string) => boolean): string[] {
  const rows = db.prepare(`SELECT id, owner FROM runs WHERE status IN ('running','pending','paused')`).all() as { id: string; owner: string | null }[];
  const dead = rows.filter((r) => !r.owner || !isOwnerAlive(r.owner)).map((r) => r.id);
  const upd = db.prepare(`UPDATE runs SET status = 'interrupted' WHERE id = ?`);
  db.transaction(() => dead.forEach((id) => upd.run(id)))();
  return dead;
}
