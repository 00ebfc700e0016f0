/** Keycloak distributions known to this ledger, with the sha256 they had when recorded. */
import { newId, nowIso } from './clock.ts';
import type { Ledger } from './open-ledger.ts';

export interface ArtifactRecord {
  id: string;
  kind: string;
  version: string;
  path: string;
  sha256: string;
  size: number;
  source: 'maven' | 'import';
  createdAt: string;
}

interface Row { id: string; kind: string; version: string; path: string; sha256: string; size: number; source: 'maven' | 'import'; created_at: string }
const toRecord = (r: Row): ArtifactRecord => ({ id: r.id, kind: r.kind, version: r.version, path: r.path, sha256: r.sha256, size: r.size, source: r.source, createdAt: r.created_at });

/** Records (or replaces) the distribution of `version`. */
export function upsertArtifact(db: Ledger, a: Omit<ArtifactRecord, 'id' | 'createdAt' | 'kind'>): ArtifactRecord {
  db.prepare(`INSERT INTO artifacts (id, kind, version, path, sha256, size, source, created_at) VALUES (?, 'keycloak-dist', ?, ?, ?, ?, ?, ?)
    ON CONFLICT (kind, version) DO UPDATE SET path = excluded.path, sha256 = excluded.sha256, size = excluded.size, source = excluded.source`)
    .run(newId(), a.version, a.path, a.sha256, a.size, a.source, nowIso());
  return getArtifact(db, a.version)!;
}

export function getArtifact(db: Ledger, version: string): ArtifactRecord | undefined {
  const r = db.prepare(`SELECT * FROM artifacts WHERE kind = 'keycloak-dist' AND version = ?`).get(version) as Row | undefined;
  return r ? toRecord(r) : undefined;
}

export function listArtifacts(db: Ledger): ArtifactRecord[] {
  return (db.prepare(`SELECT * FROM artifacts ORDER BY created_at DESC`).all() as Row[]).map(toRecord);
}
