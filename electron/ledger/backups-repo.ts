/**
 * Backup records: where each dump is, the sha256 and size it had when taken,
 * the database and changelog state it was taken of, and how its last
 * verification went. The dump file is the backup; this row is what proves
 * which file it is and what it holds.
 */
import type { Backup, BackupVerification, ChangelogState } from '../../shared/contract/backups.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { newId, nowIso } from './clock.ts';
import type { Ledger } from './open-ledger.ts';

interface Row {
  id: string;
  cluster_id: string;
  cluster_name: string;
  run_id: string | null;
  path: string;
  format: string;
  sha256: string;
  size: number;
  keycloak_version: string;
  created_at: string;
  verified_at: string | null;
  changelog_json: string | null;
  database_json: string | null;
  verification_json: string | null;
}

export interface NewBackup {
  clusterId: string;
  runId?: string | null;
  path: string;
  format: string;
  sha256: string;
  size: number;
  keycloakVersion: string;
  database: NonNullable<Backup['database']>;
  changelog: ChangelogState;
  createdAt?: string;
}

const select = 'SELECT b.*, c.name AS cluster_name FROM backups b JOIN clusters c ON c.id = b.cluster_id';
const parse = <T>(json: string | null): T | null => (json ? (JSON.parse(json) as T) : null);

function toBackup(r: Row): Backup {
  return {
    id: r.id,
    clusterName: r.cluster_name,
    runId: r.run_id,
    path: r.path,
    format: r.format,
    sha256: r.sha256,
    size: r.size,
    keycloakVersion: r.keycloak_version,
    database: parse<Backup['database']>(r.database_json),
    changelog: parse<ChangelogState>(r.changelog_json),
    createdAt: r.created_at,
    verifiedAt: r.verified_at,
    lastVerification: parse<BackupVerification>(r.verification_json),
  };
}

/** Records a backup whose dump file is complete; returns it as the contract shapes it. */
export function insertBackup(db: Ledger, b: NewBackup): Backup {
  const id = newId();
  db.prepare(`INSERT INTO backups (id, cluster_id, run_id, path, format, sha256, size, keycloak_version, created_at, changelog_json, database_json)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, b.clusterId, b.runId ?? null, b.path, b.format, b.sha256, b.size, b.keycloakVersion,
    b.createdAt ?? nowIso(), JSON.stringify(b.changelog), JSON.stringify(b.database));
  return getBackup(db, id);
}

/** One backup, or `not-found`. */
export function getBackup(db: Ledger, id: string): Backup {
  const row = db.prepare(`${select} WHERE b.id = ?`).get(id) as Row | undefined;
  if (!row) throw new KeyturnError('not-found', `No backup with id ${id}.`, 'List the backups of a cluster with `keyturn backup list --cluster <name>`.');
  return toBackup(row);
}

/** A cluster's backups, newest first. */
export function listBackups(db: Ledger, clusterId: string): Backup[] {
  return (db.prepare(`${select} WHERE b.cluster_id = ? ORDER BY b.created_at DESC, b.rowid DESC`).all(clusterId) as Row[]).map(toBackup);
}

/**
 * Records a verification. A pass stamps `verified_at`; a failure clears it,
 * because "verified" must mean the last check passed, not that one once did.
 */
export function recordVerification(db: Ledger, id: string, v: BackupVerification): Backup {
  db.prepare('UPDATE backups SET verified_at = ?, verification_json = ? WHERE id = ?').run(v.ok ? v.at : null, JSON.stringify(v), id);
  return getBackup(db, id);
}
