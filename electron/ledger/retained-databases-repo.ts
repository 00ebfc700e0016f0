/**
 * Databases a restore replaced and kept under a dated name: the ledger's
 * memory of them, so they are listed, pruned only on request, and never
 * forgotten on a server (a kept copy of a production database holds user
 * data and costs disk until someone drops it).
 */
import type { RetainedDatabase } from '../../shared/contract/backups.ts';
import { newId, nowIso } from './clock.ts';
import type { Ledger } from './open-ledger.ts';

interface Row {
  id: string;
  cluster_name: string;
  name: string;
  host: string;
  port: number;
  reason: string;
  run_id: string | null;
  backup_id: string | null;
  created_at: string;
  dropped_at: string | null;
}

export interface NewRetainedDatabase {
  clusterId: string;
  name: string;
  host: string;
  port: number;
  reason: string;
  runId?: string | null | undefined;
  backupId?: string | null | undefined;
}

const select = 'SELECT r.*, c.name AS cluster_name FROM retained_databases r JOIN clusters c ON c.id = r.cluster_id';

const toRetained = (r: Row): RetainedDatabase => ({
  id: r.id,
  clusterName: r.cluster_name,
  name: r.name,
  host: r.host,
  port: r.port,
  reason: r.reason,
  runId: r.run_id,
  backupId: r.backup_id,
  createdAt: r.created_at,
  droppedAt: r.dropped_at,
});

/** Records a database kept by a restore; returns the row. */
export function insertRetainedDatabase(db: Ledger, d: NewRetainedDatabase): RetainedDatabase {
  const id = newId();
  db.prepare('INSERT INTO retained_databases (id, cluster_id, name, host, port, reason, run_id, backup_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(id, d.clusterId, d.name, d.host, d.port, d.reason, d.runId ?? null, d.backupId ?? null, nowIso());
  return toRetained(db.prepare(`${select} WHERE r.id = ?`).get(id) as Row);
}

/** A cluster's kept databases, newest first; dropped ones only when asked for (they are history). */
export function listRetainedDatabases(db: Ledger, clusterId: string, opts: { includeDropped?: boolean } = {}): RetainedDatabase[] {
  const where = opts.includeDropped ? '' : ' AND r.dropped_at IS NULL';
  return (db.prepare(`${select} WHERE r.cluster_id = ?${where} ORDER BY r.created_at DESC, r.rowid DESC`).all(clusterId) as Row[]).map(toRetained);
}

/** Stamps `dropped_at` on a kept database after it was dropped on its server. */
export function markRetainedDatabaseDropped(db: Ledger, id: string): RetainedDatabase {
  db.prepare('UPDATE retained_databases SET dropped_at = ? WHERE id = ? AND dropped_at IS NULL').run(nowIso(), id);
  return toRetained(db.prepare(`${select} WHERE r.id = ?`).get(id) as Row);
}
