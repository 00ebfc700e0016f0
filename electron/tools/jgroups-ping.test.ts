/**
 * `JGROUPS_PING` against a real PostgreSQL (test-support/postgres.ts), with
 * the table created as Keycloak's Liquibase creates it on PostgreSQL
 * (unquoted, so lower-case): the 26.1 shape, and the 26.7 shape with
 * last_update and coordinated_by; rows written as KEYCLOAK_JDBC_PING2 writes
 * them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearJgroupsPing, readJgroupsPing } from './jgroups-ping.ts';
import { psqlQuery, type PgConnection } from './postgres.ts';
import { seedKeycloakLikeSchema, startPostgres, type TestPostgres } from './test-support/postgres.ts';

const PASSWORD = 'kc-Jgroups-5d21b';
let pg: TestPostgres;
let conn: PgConnection;

// jpa-changelog-26.1.0.xml, changeSet 29399-jdbc-ping-default
const CREATE_26_1 = `CREATE TABLE jgroups_ping (address VARCHAR(200) NOT NULL, name VARCHAR(200), cluster_name VARCHAR(200) NOT NULL,
  ip VARCHAR(200) NOT NULL, coord BOOLEAN, CONSTRAINT constraint_jgroups_ping PRIMARY KEY (address));
`;
// jpa-changelog-26.7.0.xml, changeSet 26.7.0-jdbcping-timestamp
const ALTER_26_7 = 'ALTER TABLE jgroups_ping ADD last_update BIGINT, ADD coordinated_by VARCHAR(200);\n';

beforeAll(async () => {
  pg = await startPostgres('127.0.36.40');
  await pg.createRoleAndDatabase('kc', PASSWORD, 'keycloak');
  await seedKeycloakLikeSchema(pg, 'keycloak', 'kc', 3, ['master', 'lab']);
  conn = { host: pg.host, port: pg.port, database: 'keycloak', user: 'kc', password: PASSWORD };
  await psqlQuery(conn, CREATE_26_1 + ALTER_26_7);
}, 120_000);

afterAll(async () => {
  await pg?.stop();
});

/** Rows as KEYCLOAK_JDBC_PING2 (26.7) inserts them: blue's two nodes, n1 the coordinator. */
async function insertBlueMembers(): Promise<void> {
  await psqlQuery(conn, `INSERT INTO jgroups_ping (address, name, cluster_name, ip, coord, last_update, coordinated_by) VALUES
  ('6a1e3c0e-8f5b-4c55-9a53-1f0c2b7d9e01', 'n1', 'ISPN', '127.0.10.1:7800', true, 1796000000, 'n1'),
  ('0b7d2f4a-3c1e-4e9f-8a22-5d6c7e8f9a02', 'n2', 'ISPN', '127.0.10.2:7800', false, 1796000005, 'n1');
`);
}

describe('readJgroupsPing and clearJgroupsPing (26.7 table)', () => {
  it("reads blue's members as recorded, empties the table, and leaves everything else alone", async () => {
    await insertBlueMembers();
    expect(await readJgroupsPing(conn)).toEqual({
      present: true,
      members: [
        { address: '6a1e3c0e-8f5b-4c55-9a53-1f0c2b7d9e01', name: 'n1', clusterName: 'ISPN', ip: '127.0.10.1:7800', coordinator: true, lastUpdate: 1796000000, coordinatedBy: 'n1' },
        { address: '0b7d2f4a-3c1e-4e9f-8a22-5d6c7e8f9a02', name: 'n2', clusterName: 'ISPN', ip: '127.0.10.2:7800', coordinator: false, lastUpdate: 1796000005, coordinatedBy: 'n1' },
      ],
    });

    expect(await clearJgroupsPing(conn)).toEqual({ present: true, deleted: 2 });
    expect(await readJgroupsPing(conn)).toEqual({ present: true, members: [] });
    expect(await clearJgroupsPing(conn)).toEqual({ present: true, deleted: 0 }); // idempotent
    // the table itself stays (Keycloak's changelog expects it), and so does the rest of the database
    expect(await psqlQuery(conn, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'jgroups_ping';\n")).toEqual([['7']]);
    expect(await psqlQuery(conn, 'SELECT name FROM realm ORDER BY name;\n')).toEqual([['lab'], ['master']]);
  });

  it('shows green alone once green wrote its rows into the emptied table of a clone', async () => {
    await insertBlueMembers();
    await clearJgroupsPing(conn);
    await psqlQuery(conn, `INSERT INTO jgroups_ping (address, name, cluster_name, ip, coord, last_update, coordinated_by) VALUES
  ('c3d4e5f6-0000-4000-8000-000000000021', 'g1', 'keycloak-green', '127.0.20.1:7800', true, 1796000100, 'g1');
`);
    const { members } = await readJgroupsPing(conn);
    expect(members.map((m) => [m.name, m.clusterName, m.ip])).toEqual([['g1', 'keycloak-green', '127.0.20.1:7800']]);
    await clearJgroupsPing(conn);
  });
});

describe('other shapes', () => {
  it('reads the 26.1 table (no last_update, no coordinated_by) in the schema Keycloak was given', async () => {
    await pg.admin(`\\connect keycloak
CREATE SCHEMA kc26 AUTHORIZATION kc;
`);
    await psqlQuery(conn, `SET search_path TO kc26;\n${CREATE_26_1}INSERT INTO jgroups_ping (address, name, cluster_name, ip, coord) VALUES ('a-1', NULL, 'ISPN', '127.0.10.1:7800', NULL);\n`);
    expect(await readJgroupsPing(conn, { schema: 'kc26' })).toEqual({
      present: true,
      members: [{ address: 'a-1', name: null, clusterName: 'ISPN', ip: '127.0.10.1:7800', coordinator: false, lastUpdate: null, coordinatedBy: null }],
    });
    // the 26.7 table in public is a different one, and empty
    expect(await readJgroupsPing(conn)).toEqual({ present: true, members: [] });
    expect(await clearJgroupsPing(conn, { schema: 'kc26' })).toEqual({ present: true, deleted: 1 });
    expect(await readJgroupsPing(conn, { schema: 'kc26' })).toEqual({ present: true, members: [] });
  });

  it('says present: false where there is no such table, and clears nothing', async () => {
    await pg.admin(`\\connect keycloak
CREATE SCHEMA empty AUTHORIZATION kc;
`);
    expect(await readJgroupsPing(conn, { schema: 'empty' })).toEqual({ present: false, members: [] });
    expect(await clearJgroupsPing(conn, { schema: 'empty' })).toEqual({ present: false, deleted: 0 });
  });

  it('fails with the target named when the database is not there', async () => {
    await expect(readJgroupsPing({ ...conn, database: 'nope' })).rejects.toMatchObject({ code: 'tool-failed', details: { reason: 'database-missing' } });
  });
});
