/**
 * Update-compatibility metadata per deployment: what `kc.sh update-compatibility
 * metadata` said about a cluster's running version and options, kept so a
 * plan can check a target against it without touching a node, and so an
 * audit can see what the answer was based on. Keycloak's own document is
 * stored as it was written (it holds no secret values).
 */
import type { MetadataRecord } from '../../shared/contract/index.ts';
import { newId, nowIso } from './clock.ts';
import type { Ledger } from './open-ledger.ts';

interface Row {
  id: string;
  cluster_id: string;
  cluster_name: string;
  run_id: string | null;
  keycloak_version: string;
  options_sha256: string;
  source: 'node' | 'local';
  node: string | null;
  path: string;
  sha256: string;
  content_json: string;
  duration_ms: number;
  created_at: string;
}

/** A stored metadata document with what it describes. */
export interface StoredMetadata extends MetadataRecord {
  optionsSha256: string;
  content: string;
}

export interface NewMetadata {
  clusterId: string;
  runId: string | null;
  version: string;
  optionsSha256: string;
  source: 'node' | 'local';
  node: string | null;
  path: string;
  sha256: string;
  content: string;
  durationMs: number;
}

const select = 'SELECT m.*, c.name AS cluster_name FROM compatibility_metadata m JOIN clusters c ON c.id = m.cluster_id';

const toRecord = (r: Row): StoredMetadata => ({
  id: r.id,
  cluster: r.cluster_name,
  version: r.keycloak_version,
  source: r.source,
  node: r.node,
  path: r.path,
  sha256: r.sha256,
  takenAt: r.created_at,
  durationMs: r.duration_ms,
  runId: r.run_id,
  optionsSha256: r.options_sha256,
  content: r.content_json,
});

export function insertMetadata(db: Ledger, m: NewMetadata): StoredMetadata {
  const id = newId();
  db.prepare(`INSERT INTO compatibility_metadata (id, cluster_id, run_id, keycloak_version, options_sha256, source, node, path, sha256, content_json, duration_ms, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(id, m.clusterId, m.runId, m.version, m.optionsSha256, m.source, m.node, m.path, m.sha256, m.content, m.durationMs, nowIso());
  return toRecord(db.prepare(`${select} WHERE m.id = ?`).get(id) as Row);
}

/** The newest metadata of a cluster describing exactly `version` with options `optionsSha256`, optionally from one source. */
export function latestMetadata(db: Ledger, clusterId: string, version: string, optionsSha256: string, source?: 'node' | 'local'): StoredMetadata | undefined {
  const row = db.prepare(`${select} WHERE m.cluster_id = ? AND m.keycloak_version = ? AND m.options_sha256 = ? AND (? IS NULL OR m.source = ?)
    ORDER BY m.created_at DESC, m.rowid DESC LIMIT 1`).get(clusterId, version, optionsSha256, source ?? null, source ?? null) as Row | undefined;
  return row ? toRecord(row) : undefined;
}

/** Every metadata document of a cluster, newest first. */
export function listMetadata(db: Ledger, clusterId: string): StoredMetadata[] {
  return (db.prepare(`${select} WHERE m.cluster_id = ? ORDER BY m.created_at DESC, m.rowid DESC`).all(clusterId) as Row[]).map(toRecord);
}
