/**
 * The backup service end to end against a real PostgreSQL started by this
 * file: create (dump + record), list, verify (sha256, restore into a scratch
 * database, sanity queries, drop), the refusal of a tampered dump, a failed
 * backup that leaves nothing behind, the changelog comparison a rollback
 * uses, and the same calls through the registry and the `keyturn` CLI.
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { insertCluster } from '../ledger/clusters-repo.ts';
import { openLedger, type Ledger } from '../ledger/open-ledger.ts';
import { invoke } from '../registry/dispatch.ts';
import { createHandlers } from '../registry/handlers.ts';
import { databaseExists } from '../tools/postgres.ts';
import { addChangeSet, postgresServerMajor, seedKeycloakLikeSchema, startPostgres, type TestPostgres } from '../tools/test-support/postgres.ts';
import { createBackupService, verifyDatabaseName, type BackupService } from './backup-service.ts';
import { createServices } from '../registry/services.ts';

const PASSWORD = 'bk-Secret-91c2d7';
let pg: TestPostgres;
let home: string;
let db: Ledger;
let service: BackupService;
let passwordFile: string;

const admin = () => ({ host: pg.host, port: pg.port, database: 'keycloak', user: 'kc', password: PASSWORD });
const spec = (name: string, database: string, passwordRef: { file: string } | { env: string }) =>
  clusterSpecSchema.parse(sampleSpec({ name, database: { host: pg.host, port: pg.port, name: database, user: 'kc', passwordRef } }));

async function keyturnError(p: Promise<unknown>): Promise<KeyturnError> {
  const err = await p.then(() => new Error('expected a KeyturnError, got success'), (e: unknown) => e);
  expect(err).toBeInstanceOf(KeyturnError);
  return err as KeyturnError;
}

beforeAll(async () => {
  pg = await startPostgres('127.0.40.1');
  await pg.createRoleAndDatabase('kc', PASSWORD, 'keycloak', { createdb: true });
  await seedKeycloakLikeSchema(pg, 'keycloak', 'kc', 5, ['master', 'lab', 'acme']);
  home = mkdtempSync(join(tmpdir(), 'keyturn-backup-'));
  passwordFile = join(home, 'db-password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  db = openLedger(join(home, 'ledger.sqlite'));
  insertCluster(db, spec('acme', 'keycloak', { file: passwordFile }));
  insertCluster(db, spec('wrongpw', 'keycloak', { file: join(home, 'no-such-file') }));
  insertCluster(db, spec('envpw', 'keycloak', { env: 'KEYTURN_TEST_DB_PASSWORD' }));
  service = createBackupService({ db, home, env: {} });
});

afterAll(async () => {
  db?.close();
  await pg?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('create and list', () => {
  it('dumps the cluster database to backups/<cluster>/<timestamp>.dump (0600) and records digest, size and changelog', async () => {
    const b = await service.create('acme');
    expect(b.path.startsWith(join(home, 'backups', 'acme') + '/')).toBe(true);
    expect(b.path).toMatch(/\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.dump$/);
    const info = statSync(b.path);
    expect(info.mode & 0o777).toBe(0o600);
    expect(b.size).toBe(info.size);
    expect(b.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toMatchObject({
      clusterName: 'acme', format: 'pg_dump-custom', keycloakVersion: '26.7.0', runId: null, verifiedAt: null, lastVerification: null,
      database: { host: pg.host, port: pg.port, name: 'keycloak', user: 'kc' },
      changelog: { present: true, count: 5, last: { id: '5.0.0-change-4' } },
    });
    expect(b.database?.serverVersion).toMatch(new RegExp(`^${await postgresServerMajor()}\\.`));
    // the WAL position right before the dump: with the time, the point in time a copy from it holds
    expect(b.database?.walLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    // the password is nowhere in the ledger
    const rows = JSON.stringify(db.prepare('SELECT * FROM backups').all()) + JSON.stringify(db.prepare('SELECT * FROM events').all());
    expect(rows).not.toContain(PASSWORD);
  });

  it('lists backups newest first', async () => {
    const second = await service.create('acme');
    const list = service.list('acme');
    expect(list.length).toBeGreaterThanOrEqual(2);
    expect(list[0]?.id).toBe(second.id);
    expect(list.map((b) => b.createdAt)).toEqual([...list.map((b) => b.createdAt)].sort().reverse());
  });

  it('cleans up partial dumps left by a Keyturn that died, and only those', async () => {
    const dir = join(home, 'backups', 'acme');
    mkdirSync(dir, { recursive: true });
    const exited = execa('true');
    await exited;
    const dead = exited.pid!; // a pid that has exited
    writeFileSync(join(dir, `x.dump.partial-${dead}-deadbeef`), 'half a dump');
    writeFileSync(join(dir, `y.dump.partial-${process.pid}-cafebabe`), 'a dump in progress');
    await service.create('acme');
    const names = readdirSync(dir);
    expect(names).not.toContain(`x.dump.partial-${dead}-deadbeef`);
    expect(names).toContain(`y.dump.partial-${process.pid}-cafebabe`);
    rmSync(join(dir, `y.dump.partial-${process.pid}-cafebabe`));
  });

  it('a failed backup (password file missing) throws before writing anything', async () => {
    const err = await keyturnError(service.create('wrongpw'));
    expect(err.code).toBe('not-found');
    expect(err.message).toContain("The database password of cluster 'wrongpw'");
    expect(err.message).toContain('no-such-file');
    expect(service.list('wrongpw')).toEqual([]);
  });

  it('a failed dump (wrong password) throws tool-failed naming the target, and leaves no file and no row', async () => {
    writeFileSync(join(home, 'bad-password'), 'not-the-password', { mode: 0o600 });
    insertCluster(db, spec('badpw', 'keycloak', { file: join(home, 'bad-password') }));
    const err = await keyturnError(service.create('badpw'));
    expect(err.code).toBe('tool-failed');
    expect(err.message).toContain(`kc@${pg.host}:${pg.port}/keycloak`);
    expect(err.details).toMatchObject({ reason: 'auth' });
    expect(service.list('badpw')).toEqual([]);
    expect(readdirSync(join(home, 'backups')).includes('badpw') ? readdirSync(join(home, 'backups', 'badpw')) : []).toEqual([]);
  });

  it('reads {env} references from the environment it was given', async () => {
    const err = await keyturnError(service.create('envpw'));
    expect(err.message).toContain('KEYTURN_TEST_DB_PASSWORD, which is not set');
    const withEnv = createBackupService({ db, home, env: { KEYTURN_TEST_DB_PASSWORD: PASSWORD } });
    const b = await withEnv.create('envpw');
    expect(b.changelog?.count).toBe(5);
  });

  it('an unknown cluster is not-found', async () => {
    expect((await keyturnError(service.create('nope'))).code).toBe('not-found');
    expect(() => service.list('nope')).toThrowError(expect.objectContaining({ code: 'not-found' }) as Error);
  });
});

describe('verify', () => {
  it('restores into keyturn_verify_<id> on the same server, counts realms and change sets, drops it, and records it', async () => {
    const b = await service.create('acme');
    const v = await service.verify(b.id);
    expect(v.verifiedAt).not.toBeNull();
    expect(v.lastVerification).toMatchObject({ ok: true, realms: 3, changelogRows: 5, changelogMatches: true, error: null });
    expect(await databaseExists(admin(), verifyDatabaseName(b.id))).toBe(false);
    expect(service.get(b.id).verifiedAt).toBe(v.verifiedAt);
  });

  it('refuses a tampered dump on its sha256, records the failure and clears verified_at', async () => {
    const b = await service.create('acme');
    await service.verify(b.id);
    const bytes = readFileSync(b.path);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    writeFileSync(b.path, bytes);
    const err = await keyturnError(service.verify(b.id));
    expect(err.code).toBe('artifact-failed');
    expect(err.message).toContain('is not the file that was recorded');
    expect(err.message).toContain(b.sha256);
    expect(err.hint).toMatch(/do not restore it/);
    const after = service.get(b.id);
    expect(after.verifiedAt).toBeNull();
    expect(after.lastVerification).toMatchObject({ ok: false });
    expect(after.lastVerification?.error).toContain('sha256');
    expect(await databaseExists(admin(), verifyDatabaseName(b.id))).toBe(false);
  });

  it('refuses a dump whose changelog is not the one recorded with it', async () => {
    const b = await service.create('acme');
    const recorded = { ...b.changelog!, digest: 'f'.repeat(64) };
    db.prepare('UPDATE backups SET changelog_json = ? WHERE id = ?').run(JSON.stringify(recorded), b.id);
    const err = await keyturnError(service.verify(b.id));
    expect(err.code).toBe('artifact-failed');
    expect(err.message).toContain('is not the one recorded');
    expect(service.get(b.id).lastVerification).toMatchObject({ ok: false });
    expect(await databaseExists(admin(), verifyDatabaseName(b.id))).toBe(false);
  });

  it('an unknown backup id is not-found', async () => {
    expect((await keyturnError(service.verify('00000000-0000-4000-8000-000000000000'))).code).toBe('not-found');
  });
});

describe('compareWithLive', () => {
  it('says "same" until a migration adds change sets, then "ahead" by how many', async () => {
    await pg.admin("CREATE DATABASE migdb OWNER kc TEMPLATE template0 ENCODING 'UTF8';\n");
    await seedKeycloakLikeSchema(pg, 'migdb', 'kc', 3, ['master']);
    insertCluster(db, spec('migrating', 'migdb', { file: passwordFile }));
    const b = await service.create('migrating');
    expect(await service.compareWithLive(b.id)).toMatchObject({ relation: 'same', newChangeSets: 0 });
    await addChangeSet(pg, 'migdb', '99.0.0-upgrade');
    expect(await service.compareWithLive(b.id)).toMatchObject({ relation: 'ahead', newChangeSets: 1, live: { count: 4, last: { id: '99.0.0-upgrade' } } });
  });
});

describe('through the registry and the CLI', () => {
  it('backups:create, backups:list and backups:verify answer in the contract shapes', async () => {
    const cliHome = mkdtempSync(join(tmpdir(), 'keyturn-backup-reg-'));
    const services = createServices({ home: cliHome, mode: 'cli' });
    try {
      services.clusters.register(spec('reg', 'keycloak', { file: passwordFile }));
      const handlers = createHandlers(services);
      const b = await invoke(handlers, 'backups:create', { cluster: 'reg' });
      expect(b.path.startsWith(join(cliHome, 'backups', 'reg'))).toBe(true);
      expect((await invoke(handlers, 'backups:list', { cluster: 'reg' })).map((x) => x.id)).toEqual([b.id]);
      expect((await invoke(handlers, 'backups:verify', { id: b.id })).lastVerification).toMatchObject({ ok: true, realms: 3 });
      const bad = await keyturnError(invoke(handlers, 'backups:verify', { id: 'not-a-uuid' }));
      expect(bad.code).toBe('invalid-input');
    } finally {
      services.close();
      rmSync(cliHome, { recursive: true, force: true });
    }
  });

  it('keyturn backup create|list|verify with exit codes 0, 3 (unknown), 7 (tampered)', async () => {
    const cliHome = mkdtempSync(join(tmpdir(), 'keyturn-backup-cli-'));
    const keyturn = (args: string[]) => execa(process.execPath, [join(process.cwd(), 'bin', 'keyturn.js'), ...args], { env: { KEYTURN_HOME: cliHome }, reject: false });
    try {
      const file = join(cliHome, 'cluster.json');
      writeFileSync(file, JSON.stringify({ ...sampleSpec({ name: 'cli', database: { host: pg.host, port: pg.port, name: 'keycloak', user: 'kc', passwordRef: { file: passwordFile } } }) }));
      expect((await keyturn(['cluster', 'add', '--file', file])).exitCode).toBe(0);

      const created = await keyturn(['backup', 'create', '--cluster', 'cli', '--json']);
      expect(created.exitCode, created.stderr).toBe(0);
      const b = JSON.parse(created.stdout) as { id: string; path: string; sha256: string };
      expect(created.stdout + created.stderr).not.toContain(PASSWORD);

      const list = await keyturn(['backup', 'list', '--cluster', 'cli']);
      expect(list.exitCode).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`${b.id}\\s+\\S+\\s+26\\.7\\.0\\s+[\\d.]+ KiB\\s+5 \\(5\\.0\\.0-change-4\\)\\s+no`));

      const verified = await keyturn(['backup', 'verify', b.id]);
      expect(verified.exitCode, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/verified: sha256 matches, it restores, 3 realm\(s\), 5 change set\(s\) \(same changelog as recorded\)/);

      const unknown = await keyturn(['backup', 'list', '--cluster', 'nope']);
      expect(unknown.exitCode).toBe(3);
      expect(unknown.stderr).toMatch(/No cluster named 'nope'/);

      writeFileSync(b.path, 'tampered');
      const tampered = await keyturn(['backup', 'verify', b.id, '--json']);
      expect(tampered.exitCode).toBe(7);
      expect(JSON.parse(tampered.stdout)).toMatchObject({ error: { code: 'artifact-failed' } });
    } finally {
      rmSync(cliHome, { recursive: true, force: true });
    }
  });
});
