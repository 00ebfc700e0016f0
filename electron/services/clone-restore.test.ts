/**
 * Blue/green's clone against a real PostgreSQL: blue's backup (a real
 * pg_dump by the backup service) restored into green's empty database, with
 * blue's JGROUPS_PING rows gone from the copy and still in blue; a resumed
 * step that finds the clone done; and the refusals that keep Keyturn from
 * writing over data it did not create or from a tampered dump.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backup } from '../../shared/contract/backups.ts';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { insertCluster } from '../ledger/clusters-repo.ts';
import { openLedger, type Ledger } from '../ledger/open-ledger.ts';
import { readJgroupsPing } from '../tools/jgroups-ping.ts';
import { psqlQuery, type PgConnection } from '../tools/postgres.ts';
import { seedKeycloakLikeSchema, startPostgres, type TestPostgres } from '../tools/test-support/postgres.ts';
import { createBackupService, type BackupService } from './backup-service.ts';

const PASSWORD = 'clone-Secret-4e1f9a';
let pg: TestPostgres;
let home: string;
let db: Ledger;
let service: BackupService;
let backup: Backup;

const conn = (database: string): PgConnection => ({ host: pg.host, port: pg.port, database, user: 'kc', password: PASSWORD });

async function keyturnError(p: Promise<unknown>): Promise<KeyturnError> {
  const err = await p.then(() => new Error('expected a KeyturnError, got success'), (e: unknown) => e);
  expect(err).toBeInstanceOf(KeyturnError);
  return err as KeyturnError;
}

beforeAll(async () => {
  pg = await startPostgres('127.0.40.11');
  await pg.createRoleAndDatabase('kc', PASSWORD, 'keycloak', { createdb: true });
  await seedKeycloakLikeSchema(pg, 'keycloak', 'kc', 7, ['master', 'acme']);
  await psqlQuery(conn('keycloak'), `CREATE TABLE jgroups_ping (address VARCHAR(200) PRIMARY KEY, name VARCHAR(200), cluster_name VARCHAR(200) NOT NULL, ip VARCHAR(200) NOT NULL, coord BOOLEAN);
INSERT INTO jgroups_ping VALUES ('uuid-1', 'n1-1234', 'ISPN', '127.0.10.1:7800', true), ('uuid-2', 'n2-5678', 'ISPN', '127.0.10.2:7800', false);
CREATE TABLE offline_user_session (user_session_id varchar(36) NOT NULL, user_id varchar(255) NOT NULL, realm_id varchar(36) NOT NULL, created_on integer NOT NULL,
  offline_flag varchar(4) NOT NULL, data text, last_session_refresh integer DEFAULT 0 NOT NULL, broker_session_id varchar(1024), version integer DEFAULT 0, PRIMARY KEY (user_session_id, offline_flag));
CREATE TABLE offline_client_session (user_session_id varchar(36) NOT NULL, client_id varchar(255) NOT NULL, offline_flag varchar(4) NOT NULL, "timestamp" integer, data text,
  client_storage_provider varchar(36) DEFAULT 'local' NOT NULL, external_client_id varchar(255) DEFAULT 'local' NOT NULL, version integer DEFAULT 0,
  PRIMARY KEY (user_session_id, client_id, client_storage_provider, external_client_id, offline_flag));
INSERT INTO offline_user_session (user_session_id, user_id, realm_id, created_on, offline_flag) VALUES ('s1', 'u1', 'acme', 1, '0'), ('s2', 'u2', 'acme', 1, '0'), ('s3', 'u1', 'acme', 1, '1');
INSERT INTO offline_client_session (user_session_id, client_id, offline_flag) VALUES ('s1', 'app', '0'), ('s3', 'app', '1');
`);
  for (const green of ['green', 'green_full', 'green_other', 'green_drop']) await pg.admin('CREATE DATABASE :"db" OWNER kc;\n', { db: green });
  home = mkdtempSync(join(tmpdir(), 'keyturn-clone-'));
  const passwordFile = join(home, 'db-password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  db = openLedger(join(home, 'ledger.sqlite'));
  insertCluster(db, clusterSpecSchema.parse(sampleSpec({ name: 'acme', database: { host: pg.host, port: pg.port, name: 'keycloak', user: 'kc', passwordRef: { file: passwordFile } } })));
  service = createBackupService({ db, home, env: {} });
  backup = await service.create('acme');
});

afterAll(async () => {
  db?.close();
  await pg?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('cloneInto', () => {
  it("restores blue's backup into green's empty database, empties JGROUPS_PING there, and leaves blue's rows alone", async () => {
    const stages: string[] = [];
    const r = await service.cloneInto(backup.id, conn('green'), { onStage: (s) => void stages.push(s) });
    expect(r).toMatchObject({ restored: true, changeSets: 7, jgroupsRowsCleared: 2, sessions: { policy: 'keep-all', onlineUserSessions: 0, offlineUserSessions: 0 } });
    // by default the copy keeps every session: users stay signed in across the switch
    expect(await psqlQuery(conn('green'), 'SELECT count(*) FROM offline_user_session;\n')).toEqual([['3']]);
    expect(stages).toEqual(['checking', 'restoring', 'verifying', 'cleaning']);
    expect((await readJgroupsPing(conn('green'))).members).toEqual([]);
    expect((await readJgroupsPing(conn('keycloak'))).members).toHaveLength(2);
    expect(await psqlQuery(conn('green'), 'SELECT name FROM realm ORDER BY name;\n')).toEqual([['acme'], ['master']]);
  });

  it('applies the run\'s session policy to the copy only: drop-online keeps offline tokens, and blue keeps everything', async () => {
    const r = await service.cloneInto(backup.id, conn('green_drop'), { sessionPolicy: 'drop-online' });
    expect(r.sessions).toEqual({ policy: 'drop-online', onlineUserSessions: 2, onlineClientSessions: 1, offlineUserSessions: 0, offlineClientSessions: 0 });
    expect(await psqlQuery(conn('green_drop'), "SELECT string_agg(user_session_id || '/' || offline_flag, ',') FROM offline_user_session;\n")).toEqual([['s3/1']]);
    expect(await psqlQuery(conn('keycloak'), 'SELECT count(*) FROM offline_user_session;\n')).toEqual([['3']]);
  });

  it('finds the clone done when the step runs again after a crash, and only empties JGROUPS_PING again', async () => {
    await psqlQuery(conn('green'), "INSERT INTO jgroups_ping VALUES ('uuid-9', 'n1-green', 'ISPN', '127.0.20.1:7800', true);\n");
    const r = await service.cloneInto(backup.id, conn('green'));
    expect(r).toMatchObject({ restored: false, jgroupsRowsCleared: 1 });
  });

  it('refuses a database that already holds another Keycloak schema, or anything at all, and changes nothing', async () => {
    await seedKeycloakLikeSchema(pg, 'green_other', 'kc', 3, ['master']);
    const other = await keyturnError(service.cloneInto(backup.id, conn('green_other')));
    expect(other.code).toBe('conflict');
    expect(other.message).toMatch(/already holds a Keycloak schema \(3 change sets\) that is not backup/);
    expect(await psqlQuery(conn('green_other'), 'SELECT count(*) FROM databasechangelog;\n')).toEqual([['3']]);

    await psqlQuery(conn('green_full'), 'CREATE TABLE customer_notes (id int);\n');
    const full = await keyturnError(service.cloneInto(backup.id, conn('green_full')));
    expect(full.message).toMatch(/is not empty \(1 tables, views or sequences in schema public\)/);
    expect(full.hint).toMatch(/empty database/);
    expect(await psqlQuery(conn('green_full'), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public';\n")).toEqual([['1']]);
  });

  it('refuses a dump that changed since it was taken, before touching green', async () => {
    await pg.admin('CREATE DATABASE :"db" OWNER kc;\n', { db: 'green_tampered' });
    const tampered = await service.create('acme');
    appendFileSync(tampered.path, 'x');
    const err = await keyturnError(service.cloneInto(tampered.id, conn('green_tampered')));
    expect(err.code).toBe('artifact-failed');
    expect(await psqlQuery(conn('green_tampered'), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public';\n")).toEqual([['0']]);
  });
});
