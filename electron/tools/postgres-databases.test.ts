/**
 * Emptying a decommissioned standby's database on a real PostgreSQL
 * (test-support/postgres.ts): every table, view and sequence of the schema
 * goes in one transaction, the schema, the database and the role's rights
 * stay (so a restore can follow), and nothing is dropped while a client is
 * still connected.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { emptySchema, schemaRelationCount } from './postgres-databases.ts';
import { psqlQuery, type PgConnection } from './postgres.ts';
import { seedKeycloakLikeSchema, startPostgres, type TestPostgres } from './test-support/postgres.ts';

let pg: TestPostgres;
const password = 'standby-db-pw-4d1e';
let conn: PgConnection;

beforeAll(async () => {
  pg = await startPostgres('127.0.40.13');
  await pg.createRoleAndDatabase('kc', password, 'standby');
  conn = { host: pg.host, port: pg.port, database: 'standby', user: 'kc', password };
});

afterAll(async () => {
  await pg?.stop();
});

/** A schema like a restored Keycloak copy, plus a view and a free-standing sequence. */
async function seed(): Promise<void> {
  await seedKeycloakLikeSchema(pg, 'standby', 'kc', 5, ['lab']);
  await psqlQuery(conn, 'CREATE TABLE client (id serial PRIMARY KEY, realm_id VARCHAR(36) REFERENCES realm(id)); CREATE VIEW realm_names AS SELECT name FROM realm; CREATE SEQUENCE hibernate_sequence;\n');
}

describe('emptySchema', () => {
  it('drops every table, view and sequence of the schema and says how many there were; the role can restore into it again', async () => {
    await seed();
    // databasechangelog, realm, client, its serial's sequence, realm_names, hibernate_sequence
    expect(await schemaRelationCount(conn, 'public')).toBe(6);
    expect(await emptySchema(conn, 'public')).toBe(6);
    expect(await schemaRelationCount(conn, 'public')).toBe(0);
    expect(await emptySchema(conn, 'public')).toBe(0);
    await seed();
    expect(await schemaRelationCount(conn, 'public')).toBe(6);
    expect(await emptySchema(conn, 'public')).toBe(6);
  });

  it('drops nothing while another client is connected, and names it', async () => {
    await seed();
    const sessions = async () => Number((await pg.admin("SELECT count(*) FROM pg_stat_activity WHERE datname = 'standby' AND application_name = 'keycloak-g1';")).trim());
    const env = { PGPASSWORD: password };
    const holder = execa('psql', ['-X', '-h', conn.host, '-p', String(conn.port), '-U', 'kc', '-d', 'standby', '-c', "SET application_name = 'keycloak-g1'; SELECT pg_sleep(30);"], { env, reject: false });
    try {
      for (let i = 0; i < 50 && (await sessions()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
      const err = await emptySchema(conn, 'public').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KeyturnError);
      expect(err).toMatchObject({ code: 'conflict', message: expect.stringMatching(/connected to database "standby".*keycloak-g1.*Nothing was dropped/) });
      expect(await schemaRelationCount(conn, 'public')).toBe(6);
    } finally {
      // the Keycloak that held it is stopped: its backend ends (a killed client alone would leave pg_sleep running)
      await pg.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'keycloak-g1';");
      await holder;
      for (let i = 0; i < 100 && (await sessions()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    }
    expect(await emptySchema(conn, 'public')).toBe(6);
  });
});
