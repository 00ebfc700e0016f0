import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { getCluster, insertCluster, listClusters, pinHostKey, updateCluster } from './clusters-repo.ts';
import { acquireLock, releaseLock } from './locks-repo.ts';
import { latestSchemaVersion, migrations } from './migrations.ts';
import { openLedger, schemaVersion } from './open-ledger.ts';
import { createRedactor } from '../tools/redact.ts';
import { appendEvent, createRun, listEvents } from './runs-repo.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'keyturn-ledger-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const spec = (o = {}) => clusterSpecSchema.parse(sampleSpec(o));

describe('ledger migrations', () => {
  it('migrates an empty ledger up to the latest schema and records each migration', () => {
    const db = openLedger(join(tempDir(), 'ledger.sqlite'));
    expect(schemaVersion(db)).toBe(latestSchemaVersion);
    const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number }[];
    expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map((r) => r.name);
    for (const t of ['clusters', 'nodes', 'cluster_options', 'artifacts', 'backups', 'runs', 'steps', 'events', 'locks']) expect(tables).toContain(t);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('reopening applies nothing twice', () => {
    const path = join(tempDir(), 'ledger.sqlite');
    openLedger(path).close();
    const db = openLedger(path);
    expect((db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(migrations.length);
    db.close();
  });

  it('refuses a ledger written by a newer Keyturn and leaves it unchanged', () => {
    const path = join(tempDir(), 'ledger.sqlite');
    const future = [...migrations, { version: latestSchemaVersion + 1, name: 'from the future', sql: 'CREATE TABLE future_things (id TEXT)' }];
    const newer = openLedger(path, { migrations: future });
    insertCluster(newer, spec());
    newer.close();
    const before = execFileSync('sha256sum', [path]).toString().split(' ')[0];
    let caught: unknown;
    try {
      openLedger(path);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(KeyturnError);
    expect((caught as KeyturnError).code).toBe('ledger-newer');
    expect((caught as KeyturnError).message).toMatch(/newer Keyturn/);
    expect((caught as KeyturnError).hint).toMatch(/Upgrade Keyturn/);
    expect(execFileSync('sha256sum', [path]).toString().split(' ')[0]).toBe(before);
  });

  it('refuses a file that is not a SQLite database with a typed error', () => {
    const path = join(tempDir(), 'ledger.sqlite');
    writeFileSync(path, 'this is not sqlite'.repeat(100));
    expect(() => openLedger(path)).toThrowError(expect.objectContaining({ code: 'ledger-corrupt' }) as Error);
  });
});

describe('ledger constraints', () => {
  it('enforces unique cluster names, foreign keys and cascades', () => {
    const db = openLedger(':memory:');
    insertCluster(db, spec());
    expect(() => insertCluster(db, spec())).toThrowError(expect.objectContaining({ code: 'conflict' }) as Error);
    expect(() => db.prepare("INSERT INTO nodes (id, cluster_id, name, position, host, ssh_port, ssh_user) VALUES ('x', 'no-such-cluster', 'n', 0, 'h', 22, 'u')").run()).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("UPDATE nodes SET ssh_port = 70000").run()).toThrow(/CHECK/);
    const id = getCluster(db, 'acme-prod').id;
    const runId = createRun(db, { clusterId: id, kind: 'upgrade' }, [{ kind: 'backup', title: 'Back up' }]);
    appendEvent(db, { runId, source: 'engine', node: null, level: 'info', kind: 'x', data: {} }, createRedactor([]));
    db.prepare('DELETE FROM clusters WHERE id = ?').run(id);
    expect((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(0);
    expect((db.prepare('SELECT count(*) AS n FROM nodes').get() as { n: number }).n).toBe(0);
  });

  it('stores options exactly and secrets only as references', () => {
    const db = openLedger(':memory:');
    insertCluster(db, spec({ keycloak: { version: '26.7.0', options: { 'cache-stack': 'jdbc-ping' }, secretOptions: { 'db-password': { env: 'ACME_DB_PASSWORD' } } } }));
    const rows = db.prepare('SELECT key, value, secret_ref_json FROM cluster_options ORDER BY key').all();
    expect(rows).toEqual([
      { key: 'cache-stack', value: 'jdbc-ping', secret_ref_json: null },
      { key: 'db-password', value: null, secret_ref_json: '{"env":"ACME_DB_PASSWORD"}' },
    ]);
  });

  it('keeps a pinned host key across an edit unless the node moved', () => {
    const db = openLedger(':memory:');
    insertCluster(db, spec());
    pinHostKey(db, 'acme-prod', 'n1', { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:abc' });
    pinHostKey(db, 'acme-prod', 'n2', { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:def' });
    const moved = sampleSpec();
    moved.nodes[1] = { ...moved.nodes[1]!, host: 'kc9.acme.example' };
    updateCluster(db, 'acme-prod', clusterSpecSchema.parse(moved));
    const nodes = getCluster(db, 'acme-prod').nodes;
    expect(nodes[0]?.hostKey?.fingerprint).toBe('SHA256:abc');
    expect(nodes[1]?.hostKey).toBeNull();
  });

  it('numbers events per run without gaps', () => {
    const db = openLedger(':memory:');
    const runId = createRun(db, { clusterId: null, kind: 'lab-up' });
    for (let i = 0; i < 5; i++) appendEvent(db, { runId, source: 'engine', node: null, level: 'info', kind: 'tick', data: { i } }, createRedactor([]));
    expect(listEvents(db, runId).map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(listEvents(db, runId, 2).map((e) => e.seq)).toEqual([3, 4]);
  });
});

describe('two processes on one ledger file', () => {
  it('both write concurrently without losing or duplicating events, and the lock admits only one', async () => {
    const path = join(tempDir(), 'ledger.sqlite');
    const db = openLedger(path);
    const runId = createRun(db, { clusterId: null, kind: 'lab-up' });
    const script = join(tempDir(), 'writer.ts');
    writeFileSync(script, `
      import { openLedger } from ${JSON.stringify(join(process.cwd(), 'electron/ledger/open-ledger.ts'))};
      import { appendEvent } from ${JSON.stringify(join(process.cwd(), 'electron/ledger/runs-repo.ts'))};
      import { createRedactor } from ${JSON.stringify(join(process.cwd(), 'electron/tools/redact.ts'))};
      const db = openLedger(process.argv[2]);
      const redact = createRedactor([]);
      for (let i = 0; i < 200; i++) appendEvent(db, { runId: process.argv[3], source: 'engine', node: process.argv[4], level: 'info', kind: 'tick', data: { i } }, redact);
      db.close();
    `);
    const { execa } = await import('execa');
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
    await Promise.all([execa(tsx, [script, path, runId, 'a']), execa(tsx, [script, path, runId, 'b'])]);
    const events = listEvents(db, runId, -1, 5000);
    expect(events).toHaveLength(400);
    expect(new Set(events.map((e) => e.seq)).size).toBe(400);
    expect(events.filter((e) => e.node === 'a')).toHaveLength(200);

    acquireLock(db, 'cluster-x', runId, '111@elsewhere.example');
    const other = openLedger(path);
    expect(() => acquireLock(other, 'cluster-x', 'other-run', '222@elsewhere.example')).toThrowError(expect.objectContaining({ code: 'locked' }) as Error);
    releaseLock(db, 'cluster-x', runId);
    acquireLock(other, 'cluster-x', 'other-run', '222@elsewhere.example');
    other.close();
    db.close();
  });

  it('takes over a lock whose owner died', () => {
    const db = openLedger(':memory:');
    acquireLock(db, 'cluster-y', 'run-1', '1@host');
    expect(() => acquireLock(db, 'cluster-y', 'run-2', '2@host', { isOwnerAlive: () => true })).toThrow(/busy/);
    acquireLock(db, 'cluster-y', 'run-2', '2@host', { isOwnerAlive: () => false });
    expect((db.prepare('SELECT run_id FROM locks').get() as { run_id: string }).run_id).toBe('run-2');
  });
});

describe('fleet listing', () => {
  it('lists clusters with node count and last run', () => {
    const db = openLedger(':memory:');
    insertCluster(db, spec());
    const id = getCluster(db, 'acme-prod').id;
    createRun(db, { clusterId: id, kind: 'upgrade' });
    const [c] = listClusters(db);
    expect(c).toMatchObject({ name: 'acme-prod', version: '26.7.0', nodeCount: 2, health: 'unknown', lastBackupAt: null });
    expect(c?.lastRun).toMatchObject({ kind: 'upgrade', status: 'pending' });
  });
});
