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
  /** Where the run was started: the console (Electron), the console in a browser, or the CLI. */
  origin?: RunOrigin;
  /** `user@host` of the operating-system user that started it. */
  startedBy?: string;
}

export type RunOrigin = 'console' | 'browser' | 'cli';

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
    db.prepare(`INSERT INTO runs (id, cluster_id, kind, strategy, status, from_state_json, to_state_json, owner, created_at, origin, started_by)
      VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`).run(id, run.clusterId, run.kind, run.strategy ?? null,
      run.fromState ? JSON.stringify(run.fromState) : null, run.toState ? JSON.stringify(run.toState) : null, run.owner ?? null, nowIso(), run.origin ?? null, run.startedBy ?? null);
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

/**
 * The newest event of one kind in a run, read by the database (a run holds
 * thousands of probe ticks; a step asking "when did we switch" must not
 * read them all), or null.
 */
export function lastEventOfKind(db: Ledger, runId: string, kind: string): RunEvent | null {
  const r = db.prepare('SELECT * FROM events WHERE run_id = ? AND kind = ? ORDER BY seq DESC LIMIT 1').get(runId, kind) as {
    run_id: string; seq: number; at: string; source: RunEvent['source']; node: string | null; level: RunEvent['level']; kind: string; data_json: string;
  } | undefined;
  return r ? { runId: r.run_id, seq: r.seq, at: r.at, source: r.source, node: r.node, level: r.level, kind: r.kind, data: JSON.parse(r.data_json) as Record<string, unknown> } : null;
}

/** A run's events of the given kinds only, in order: a reader that needs a few facts never loads thousands of probe ticks. */
export function eventsOfKinds(db: Ledger, runId: string, kinds: readonly string[]): RunEvent[] {
  if (kinds.length === 0) return [];
  const rows = db.prepare(`SELECT * FROM events WHERE run_id = ? AND kind IN (${kinds.map(() => '?').join(', ')}) ORDER BY seq`).all(runId, ...kinds) as {
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

/** A run's pending Pause/Abort request and status (run-control reads it between steps). */
export function runControlRow(db: Ledger, runId: string): { status: string; control: string | null } | undefined {
  return db.prepare('SELECT status, control FROM runs WHERE id = ?').get(runId) as { status: string; control: string | null } | undefined;
}

/** Records a Pause or Abort request: abort wins over a pending pause; a pause never downgrades an abort. */
export function setRunControl(db: Ledger, runId: string, request: 'pause' | 'abort' | null): void {
  if (request === null) db.prepare('UPDATE runs SET control = NULL WHERE id = ?').run(runId);
  else db.prepare(`UPDATE runs SET control = CASE WHEN control = 'abort' THEN 'abort' ELSE ? END WHERE id = ?`).run(request, runId);
}

/** A stopped (paused or interrupted) run aborted at once: nothing else would pick a request up. */
export function abortStoppedRun(db: Ledger, runId: string): void {
  db.transaction(() => {
    db.prepare(`UPDATE runs SET status = 'aborted', control = NULL, finished_at = ? WHERE id = ?`).run(new Date().toISOString(), runId);
    // An interrupted run's process died holding the cluster's lock: the run is over now, and so is its claim on the cluster.
    db.prepare('DELETE FROM locks WHERE run_id = ?').run(runId);
  }).immediate();
}

/** The process that executes a run (for liveness checks by other processes). */
export function setRunOwner(db: Ledger, runId: string, owner: string): void {
  db.prepare('UPDATE runs SET owner = ? WHERE id = ?').run(owner, runId);
}

/** A run whose owner died: resume or rollback may take it over. */
export function markRunInterrupted(db: Ledger, runId: string): void {
  db.prepare(`UPDATE runs SET status = 'interrupted' WHERE id = ?`).run(runId);
}

/** The parameters a step was written with (the executor hands them to the step's implementation). */
export function stepParams(db: Ledger, runId: string, seq: number): Record<string, unknown> {
  const row = db.prepare('SELECT params_json FROM steps WHERE run_id = ? AND seq = ?').get(runId, seq) as { params_json: string } | undefined;
  return row ? (JSON.parse(row.params_json) as Record<string, unknown>) : {};
}

/** The last upgrade of a cluster, with its strategy and the states it went between (rollback undoes it). */
export function lastUpgradeRow(db: Ledger, clusterId: string, changingKinds?: readonly string[]): { id: string; status: string; owner: string | null; strategy: string | null; fromState: Record<string, unknown>; toState: Record<string, unknown> } | undefined {
  // With `changingKinds`: an upgrade that ended (failed, aborted) before any of those steps began changed nothing, and is passed over.
  const changed = changingKinds?.length
    ? ` AND (status NOT IN ('failed', 'aborted') OR EXISTS (SELECT 1 FROM steps s WHERE s.run_id = runs.id AND s.status <> 'pending' AND s.kind IN (${changingKinds.map(() => '?').join(', ')})))`
    : '';
  const row = db.prepare(`SELECT id, status, owner, strategy, from_state_json, to_state_json FROM runs WHERE cluster_id = ? AND kind = 'upgrade'${changed} ORDER BY created_at DESC, rowid DESC LIMIT 1`).get(clusterId, ...(changingKinds ?? [])) as
    { id: string; status: string; owner: string | null; strategy: string | null; from_state_json: string; to_state_json: string } | undefined;
  if (!row) return undefined;
  return { id: row.id, status: row.status, owner: row.owner, strategy: row.strategy, fromState: JSON.parse(row.from_state_json) as Record<string, unknown>, toState: JSON.parse(row.to_state_json) as Record<string, unknown> };
}

/**
 * How long steps of a kind took on this cluster in earlier runs that
 * succeeded them (ms, newest first): the recreate plan predicts its downtime
 * from these rather than from a constant.
 */
export function stepDurations(db: Ledger, clusterId: string, kind: string, limit = 10): number[] {
  const rows = db.prepare(`SELECT (julianday(s.finished_at) - julianday(s.started_at)) * 86400000.0 AS ms FROM steps s JOIN runs r ON r.id = s.run_id
    WHERE r.cluster_id = ? AND s.kind = ? AND s.status = 'succeeded' AND s.started_at IS NOT NULL AND s.finished_at IS NOT NULL ORDER BY s.finished_at DESC LIMIT ?`).all(clusterId, kind, limit) as { ms: number }[];
  return rows.map((r) => Math.max(0, Math.round(r.ms)));
}

/**
 * The outages the prober measured in this cluster's succeeded recreate runs
 * (their `downtime.measured` events), newest first, with the versions each
 * run went between: the recreate prediction tells a migrating change from one
 * that is not.
 */
export function measuredRecreateOutages(db: Ledger, clusterId: string, limit = 10): { seconds: number; from: string | null; to: string | null }[] {
  const rows = db.prepare(`SELECT json_extract(e.data_json, '$.measuredSeconds') AS seconds, json_extract(r.from_state_json, '$.version') AS "from", json_extract(r.to_state_json, '$.version') AS "to"
    FROM events e JOIN runs r ON r.id = e.run_id
    WHERE r.cluster_id = ? AND r.status = 'succeeded' AND r.strategy = 'recreate' AND e.kind = 'downtime.measured'
      AND json_extract(e.data_json, '$.measuredSeconds') IS NOT NULL
    ORDER BY e.at DESC LIMIT ?`).all(clusterId, limit) as { seconds: number; from: string | null; to: string | null }[];
  return rows.map((r) => ({ seconds: Number(r.seconds), from: r.from, to: r.to }));
}

/** The from- and to-state a run was written with (a resume reads what the approved plan said). */
export function runStates(db: Ledger, runId: string): { fromState: Record<string, unknown>; toState: Record<string, unknown> } {
  const row = db.prepare('SELECT from_state_json, to_state_json FROM runs WHERE id = ?').get(runId) as { from_state_json: string | null; to_state_json: string | null } | undefined;
  return { fromState: row?.from_state_json ? (JSON.parse(row.from_state_json) as Record<string, unknown>) : {}, toState: row?.to_state_json ? (JSON.parse(row.to_state_json) as Record<string, unknown>) : {} };
}

/** Who started a run and from where, and the process that executes it (the run report's "change"); null where not recorded. */
export function runOrigin(db: Ledger, runId: string): { origin: RunOrigin | null; startedBy: string | null; owner: string | null } {
  const row = db.prepare('SELECT origin, started_by, owner FROM runs WHERE id = ?').get(runId) as { origin: RunOrigin | null; started_by: string | null; owner: string | null } | undefined;
  return { origin: row?.origin ?? null, startedBy: row?.started_by ?? null, owner: row?.owner ?? null };
}
