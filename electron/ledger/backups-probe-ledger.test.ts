/**
 * Migration 3 in the ledger: backup records (changelog, database, last
 * verification), probe samples with their constraints and cascades, and both
 * (with migration 6's kept databases) surviving a ledger export and import,
 * including an export written before the tables existed.
 */
import { describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { getBackup, insertBackup, listBackups, recordVerification, type NewBackup } from './backups-repo.ts';
import { insertCluster } from './clusters-repo.ts';
import { exportLedger, importLedger } from './export-import.ts';
import { openLedger } from './open-ledger.ts';
import { insertProbeSamples, listProbeSamples } from './probe-samples-repo.ts';
import { insertRetainedDatabase, listRetainedDatabases, markRetainedDatabaseDropped } from './retained-databases-repo.ts';
import { createRun } from './runs-repo.ts';

const backup = (clusterId: string, createdAt: string, runId: string | null = null): NewBackup => ({
  clusterId,
  runId,
  path: `/var/keyturn/backups/acme-prod/${createdAt}.dump`,
  format: 'pg_dump-custom',
  sha256: 'a'.repeat(64),
  size: 1234,
  keycloakVersion: '26.7.0',
  database: { host: 'db.acme.example', port: 5432, name: 'keycloak', user: 'keycloak', serverVersion: '15.18' },
  changelog: { present: true, count: 3, last: { id: 'x', author: 'keycloak', filename: 'f.xml', orderExecuted: 3, dateExecuted: '2026-01-01T00:00:00.000' }, digest: 'b'.repeat(64) },
  createdAt,
});

function seeded() {
  const db = openLedger(':memory:');
  const clusterId = insertCluster(db, clusterSpecSchema.parse(sampleSpec()));
  const runId = createRun(db, { clusterId, kind: 'upgrade' });
  return { db, clusterId, runId };
}

describe('backups repo', () => {
  it('records, lists newest first, and keeps verified_at only while the last verification passed', () => {
    const { db, clusterId, runId } = seeded();
    const older = insertBackup(db, backup(clusterId, '2026-01-01T00:00:00.000Z'));
    const newer = insertBackup(db, backup(clusterId, '2026-01-02T00:00:00.000Z', runId));
    expect(listBackups(db, clusterId).map((b) => b.id)).toEqual([newer.id, older.id]);
    expect(newer).toMatchObject({ clusterName: 'acme-prod', runId, changelog: { count: 3 }, database: { host: 'db.acme.example' }, verifiedAt: null, lastVerification: null });

    const pass = { ok: true, at: '2026-01-03T00:00:00.000Z', realms: 2, changelogRows: 3, changelogMatches: true, durationMs: 900, error: null };
    expect(recordVerification(db, newer.id, pass).verifiedAt).toBe(pass.at);
    const fail = { ...pass, ok: false, at: '2026-01-04T00:00:00.000Z', realms: null, changelogMatches: null, error: 'sha256 differs' };
    expect(recordVerification(db, newer.id, fail)).toMatchObject({ verifiedAt: null, lastVerification: { ok: false, error: 'sha256 differs' } });
    expect(() => getBackup(db, 'nope')).toThrowError(expect.objectContaining({ code: 'not-found' }) as Error);
  });
});

describe('probe samples', () => {
  it('stores a batch, reads it back in start order, enforces reason iff failed, and cascades with the run', () => {
    const { db, runId } = seeded();
    insertProbeSamples(db, runId, [
      { atMs: 2000, ok: false, status: 503, reason: 'http-503', latencyMs: 4.5, address: '127.0.10.100' },
      { atMs: 1000, ok: true, status: 200, reason: null, latencyMs: 12.3, address: '127.0.10.100' },
    ]);
    expect(listProbeSamples(db, runId).map((s) => [s.atMs, s.ok, s.reason])).toEqual([[1000, true, null], [2000, false, 'http-503']]);
    expect(listProbeSamples(db, runId, 1500)).toHaveLength(1);
    expect(() => db.prepare(`INSERT INTO probe_samples (run_id, at_ms, ok, reason, latency_ms) VALUES (?, 1, 1, 'timeout', 1)`).run(runId)).toThrow(/CHECK/);
    expect(() => listProbeSamples(db, '00000000-0000-4000-8000-000000000000')).toThrowError(expect.objectContaining({ code: 'not-found' }) as Error);
    db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
    expect((db.prepare('SELECT count(*) AS n FROM probe_samples').get() as { n: number }).n).toBe(0);
  });
});

describe('export and import', () => {
  it('carries backups (with changelog and verification) and probe samples to another ledger', () => {
    const { db, clusterId, runId } = seeded();
    const b = insertBackup(db, backup(clusterId, '2026-01-01T00:00:00.000Z', runId));
    recordVerification(db, b.id, { ok: true, at: '2026-01-02T00:00:00.000Z', realms: 1, changelogRows: 3, changelogMatches: true, durationMs: 5, error: null });
    insertProbeSamples(db, runId, [{ atMs: 1000, ok: true, status: 200, reason: null, latencyMs: 3, address: '127.0.10.100' }]);
    const doc = JSON.parse(JSON.stringify(exportLedger(db))) as unknown;

    const other = openLedger(':memory:');
    importLedger(other, doc);
    expect(getBackup(other, b.id)).toEqual(getBackup(db, b.id));
    expect(listProbeSamples(other, runId)).toEqual(listProbeSamples(db, runId));
  });

  it('carries the databases a restore kept (migration 6), dropped ones too, so another laptop can still list and prune them', () => {
    const { db, clusterId, runId } = seeded();
    const b = insertBackup(db, backup(clusterId, '2026-01-01T00:00:00.000Z', runId));
    const kept = insertRetainedDatabase(db, { clusterId, name: 'keycloak_migrated_202601011310', host: 'db.acme.example', port: 5432, reason: `replaced by the restore of backup ${b.id}`, runId, backupId: b.id });
    const gone = insertRetainedDatabase(db, { clusterId, name: 'keycloak_migrated_202512011310', host: 'db.acme.example', port: 5432, reason: 'an older restore' });
    markRetainedDatabaseDropped(db, gone.id);
    const doc = JSON.parse(JSON.stringify(exportLedger(db))) as { tables: Record<string, unknown[]> };
    expect(doc.tables.retained_databases).toHaveLength(2);

    const other = openLedger(':memory:');
    importLedger(other, doc);
    expect(listRetainedDatabases(other, clusterId)).toEqual([kept]);
    expect(listRetainedDatabases(other, clusterId, { includeDropped: true })).toEqual(listRetainedDatabases(db, clusterId, { includeDropped: true }));

    // A cluster skipped on import brings none of its kept databases along.
    const third = openLedger(':memory:');
    insertCluster(third, clusterSpecSchema.parse(sampleSpec()));
    expect(importLedger(third, doc, { skipExisting: true })).toMatchObject({ clusters: 0, skipped: ['acme-prod'] });
    expect((third.prepare('SELECT count(*) AS n FROM retained_databases').get() as { n: number }).n).toBe(0);
  });

  it('refuses a kept database row with a column it does not know, importing nothing', () => {
    const { db, clusterId } = seeded();
    insertRetainedDatabase(db, { clusterId, name: 'keycloak_migrated_202601011310', host: 'db.acme.example', port: 5432, reason: 'kept' });
    const doc = JSON.parse(JSON.stringify(exportLedger(db))) as { tables: { retained_databases: Record<string, unknown>[] } };
    doc.tables.retained_databases[0]!.password = 'x';
    const other = openLedger(':memory:');
    expect(() => importLedger(other, doc)).toThrowError(expect.objectContaining({ code: 'invalid-input', message: expect.stringMatching(/tables\.retained_databases\.0/) as string }) as Error);
    expect((other.prepare('SELECT count(*) AS n FROM clusters').get() as { n: number }).n).toBe(0);
  });

  it('imports an export made before retained_databases existed', () => {
    const { db } = seeded();
    const doc = JSON.parse(JSON.stringify(exportLedger(db))) as { tables: Record<string, unknown> };
    delete doc.tables.retained_databases;
    const other = openLedger(':memory:');
    expect(importLedger(other, doc)).toMatchObject({ clusters: 1, runs: 1 });
  });

  it('imports an export made before probe_samples existed', () => {
    const { db } = seeded();
    const doc = JSON.parse(JSON.stringify(exportLedger(db))) as { tables: Record<string, unknown> };
    delete doc.tables.probe_samples;
    const other = openLedger(':memory:');
    expect(importLedger(other, doc)).toMatchObject({ clusters: 1, runs: 1 });
  });
});
