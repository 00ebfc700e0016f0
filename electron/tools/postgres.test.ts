/**
 * The postgres adapter against a real PostgreSQL (the newest installed major) that this file starts
 * (test-support/postgres.ts, 127.0.40.1, scram-sha-256): dumps, restores into
 * scratch databases, the psql query helper, Liquibase changelog digests, and
 * the failures an operator meets (wrong password, nothing listening, missing
 * database, no CREATEDB), each naming the target and the fix.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { changelogDigest, changelogState, changelogStateOfDump, compareChangelog } from './postgres-changelog.ts';
import {
  classifyPgFailure, createScratchDatabase, databaseExists, dropScratchDatabase, pgDump, pgRestore, pgServerVersion, psqlQuery, withScratchDatabase, type PgConnection,
} from './postgres.ts';
import { freePort } from './test-support/daemon.ts';
import { addChangeSet, postgresServerMajor, seedKeycloakLikeSchema, startPostgres, type TestPostgres } from './test-support/postgres.ts';

const PASSWORD = 'kc-Secret-7f3a9e';
let pg: TestPostgres;
let conn: PgConnection;
let out: string;

const expectedEntries = (n: number) => Array.from({ length: n }, (_, i) => [`${i + 1}.0.0-change-${i}`, 'keycloak', `META-INF/jpa-changelog-${i + 1}.0.0.xml`] as [string, string, string]);

beforeAll(async () => {
  pg = await startPostgres('127.0.40.1');
  await pg.createRoleAndDatabase('kc', PASSWORD, 'keycloak', { createdb: true });
  await seedKeycloakLikeSchema(pg, 'keycloak', 'kc', 5, ['master', 'lab', 'acme']);
  await pg.createRoleAndDatabase('plain', PASSWORD, 'plaindb');
  conn = { host: pg.host, port: pg.port, database: 'keycloak', user: 'kc', password: PASSWORD };
  out = mkdtempSync(join(tmpdir(), 'keyturn-pgdump-'));
});

afterAll(async () => {
  await pg?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

async function keyturnError(p: Promise<unknown>): Promise<KeyturnError> {
  const err = await p.then(() => new Error('expected a KeyturnError, got success'), (e: unknown) => e);
  expect(err).toBeInstanceOf(KeyturnError);
  return err as KeyturnError;
}

describe('psqlQuery', () => {
  it('returns rows of the last statement, with separators and newlines inside values intact', async () => {
    const rows = await psqlQuery(conn, `SELECT name FROM realm ORDER BY name;\n`);
    expect(rows).toEqual([['acme'], ['lab'], ['master']]);
    const odd = await psqlQuery(conn, `SELECT 'a|b', E'line1\\nline2', NULL::text, '';\n`);
    expect(odd).toEqual([['a|b', 'line1\nline2', '', '']]);
    expect(await psqlQuery(conn, 'SELECT 1 WHERE false;\n')).toEqual([]);
  });

  it('passes values as psql variables, so quotes in them are data, not SQL', async () => {
    const rows = await psqlQuery(conn, `SELECT :'v' || '!', count(*) FROM realm WHERE name = :'v';\n`, { vars: { v: "O'Brien'; DROP TABLE realm; --" } });
    expect(rows).toEqual([["O'Brien'; DROP TABLE realm; --!", '0']]);
    expect(await psqlQuery(conn, 'SELECT count(*) FROM realm;\n')).toEqual([['3']]);
  });

  it('never puts the password on a command line (checked in /proc while psql runs)', async () => {
    const running = psqlQuery(conn, 'SELECT pg_sleep(1.5);\n');
    await new Promise((r) => setTimeout(r, 500));
    const seen: string[] = [];
    let psqlSeen = false;
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmd.includes(PASSWORD)) seen.push(cmd.replace(/\0/g, ' '));
      if (/(^|\/)psql\0/.test(cmd) && cmd.includes(`\0${pg.port}\0`)) psqlSeen = true;
    }
    await running;
    expect(psqlSeen).toBe(true); // positive control: we did look while psql was running
    expect(seen).toEqual([]);
  });

  it('reads the server version', async () => {
    expect(await pgServerVersion(conn)).toMatch(new RegExp(`^${await postgresServerMajor()}\\.\\d+`));
  });
});

describe('pgDump', () => {
  it('writes a custom-format dump (0600) with its size and sha256, and nothing else', async () => {
    const dest = join(out, 'ok', 'a.dump');
    const r = await pgDump(conn, dest);
    const info = await stat(dest);
    expect(r).toMatchObject({ path: dest, size: info.size });
    expect(info.size).toBeGreaterThan(0);
    expect(info.mode & 0o777).toBe(0o600);
    expect(r.sha256).toBe(createHash('sha256').update(await readFile(dest)).digest('hex'));
    expect((await readFile(dest)).subarray(0, 5).toString()).toBe('PGDMP');
    expect(await readdir(join(out, 'ok'))).toEqual(['a.dump']);
  });

  it('refuses to overwrite an existing file', async () => {
    const dest = join(out, 'twice.dump');
    await pgDump(conn, dest);
    const err = await keyturnError(pgDump(conn, dest));
    expect(err.code).toBe('conflict');
  });

  it('with a wrong password: a clear error naming user and host:port, no password in it, and no file', async () => {
    const dir = join(out, 'badpw');
    const err = await keyturnError(pgDump({ ...conn, password: 'wrong-password-x' }, join(dir, 'b.dump')));
    expect(err.code).toBe('tool-failed');
    expect(err.details).toMatchObject({ reason: 'auth' });
    expect(err.message).toContain(`refused user "kc"`);
    expect(err.message).toContain(`${pg.host}:${pg.port}`);
    expect(err.hint).toMatch(/passwordRef/);
    expect(JSON.stringify(err)).not.toContain('wrong-password-x');
    expect(await readdir(dir)).toEqual([]);
  });

  it('with nothing listening: unreachable, naming host:port', async () => {
    const port = await freePort('127.0.40.1');
    const err = await keyturnError(pgDump({ ...conn, port }, join(out, 'nobody', 'c.dump')));
    expect(err.details).toMatchObject({ reason: 'unreachable' });
    expect(err.message).toContain(`127.0.40.1:${port} is unreachable`);
    expect(err.hint).toMatch(/running on 127\.0\.40\.1:\d+/);
    expect(await readdir(join(out, 'nobody'))).toEqual([]);
  });

  it('with a missing database: names the database and says to check spec.database.name', async () => {
    const err = await keyturnError(pgDump({ ...conn, database: 'nosuchdb' }, join(out, 'missing', 'd.dump')));
    expect(err.details).toMatchObject({ reason: 'database-missing' });
    expect(err.message).toContain('database "nosuchdb" does not exist');
    expect(err.hint).toContain('spec.database.name');
    expect(await readdir(join(out, 'missing'))).toEqual([]);
  });

  it('aborted before it starts: aborted, and no file', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await keyturnError(pgDump(conn, join(out, 'aborted', 'e.dump'), { signal: ac.signal }));
    expect(err.code).toBe('aborted');
    expect(await readdir(join(out, 'aborted'))).toEqual([]);
  });
});

describe('scratch databases and restore', () => {
  it('restores a dump into a scratch database, then drops it', async () => {
    const dump = join(out, 'restore.dump');
    await pgDump(conn, dump);
    const realms = await withScratchDatabase(conn, 'keyturn_test_restore', async (scratch) => {
      expect(await databaseExists(conn, 'keyturn_test_restore')).toBe(true);
      await pgRestore(scratch, dump);
      return psqlQuery(scratch, 'SELECT name FROM realm ORDER BY name;\n');
    });
    expect(realms).toEqual([['acme'], ['lab'], ['master']]);
    expect(await databaseExists(conn, 'keyturn_test_restore')).toBe(false);
  });

  it('drops the scratch database also when the work fails, and keeps the error', async () => {
    const err = await keyturnError(withScratchDatabase(conn, 'keyturn_test_fail', (scratch) => pgRestore(scratch, join(out, 'no-such.dump'))));
    expect(err.code).toBe('tool-failed');
    expect(err.message).toContain('pg_restore of');
    expect(await databaseExists(conn, 'keyturn_test_fail')).toBe(false);
  });

  it('drops a leftover scratch database of a crashed attempt before starting', async () => {
    await createScratchDatabase(conn, 'keyturn_test_leftover');
    const n = await withScratchDatabase(conn, 'keyturn_test_leftover', (s) => psqlQuery(s, 'SELECT 42;\n'));
    expect(n).toEqual([['42']]);
    expect(await databaseExists(conn, 'keyturn_test_leftover')).toBe(false);
  });

  it('never drops a database that is not named keyturn_*', async () => {
    const err = await keyturnError(dropScratchDatabase(conn, 'keycloak'));
    expect(err.code).toBe('invalid-input');
    expect(await databaseExists(conn, 'keycloak')).toBe(true);
  });

  it('without CREATEDB: permission, with ALTER ROLE ... CREATEDB as the fix', async () => {
    const plain = { ...conn, user: 'plain', database: 'plaindb' };
    const err = await keyturnError(createScratchDatabase(plain, 'keyturn_test_denied'));
    expect(err.details).toMatchObject({ reason: 'permission' });
    expect(err.hint).toContain('ALTER ROLE plain CREATEDB');
  });
});

describe('Liquibase changelog', () => {
  it('reads count, last change set and the digest of the ordered list', async () => {
    const s = await changelogState(conn);
    expect(s).toMatchObject({ present: true, count: 5, last: { id: '5.0.0-change-4', author: 'keycloak', filename: 'META-INF/jpa-changelog-5.0.0.xml', orderExecuted: 5 } });
    expect(s.digest).toBe(changelogDigest(expectedEntries(5)));
    expect(s.last?.dateExecuted).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
  });

  it('says "not present" for a database Keycloak never started on', async () => {
    const s = await changelogState({ ...conn, user: 'plain', database: 'plaindb' });
    expect(s).toMatchObject({ present: false, count: 0, last: null, digest: changelogDigest([]) });
  });

  it('reads the same state from a dump as from the database it was taken of, and drops the scratch copy', async () => {
    const dump = join(out, 'changelog.dump');
    await pgDump(conn, dump);
    const live = await changelogState(conn);
    const fromDump = await changelogStateOfDump(conn, dump, 'keyturn_test_changelog');
    expect(fromDump).toEqual(live);
    expect(await databaseExists(conn, 'keyturn_test_changelog')).toBe(false);
  });

  it('tells a migrated database (ahead) from the same one and from a forked history', async () => {
    await pg.createRoleAndDatabase('mig', PASSWORD, 'migdb');
    await seedKeycloakLikeSchema(pg, 'migdb', 'mig', 4, ['master']);
    const mig = { ...conn, user: 'mig', database: 'migdb' };
    const backup = await changelogState(mig);
    expect(compareChangelog(backup, await changelogState(mig, { prefixCount: backup.count }))).toEqual({ relation: 'same', newChangeSets: 0 });

    await addChangeSet(pg, 'migdb', '99.0.0-new-a');
    await addChangeSet(pg, 'migdb', '99.0.0-new-b');
    const after = await changelogState(mig, { prefixCount: backup.count });
    expect(after.count).toBe(6);
    expect(after.digest).not.toBe(backup.digest);
    expect(after.last?.id).toBe('99.0.0-new-b');
    expect(compareChangelog(backup, after)).toEqual({ relation: 'ahead', newChangeSets: 2 });
    // without the prefix digest a longer history can't be proven to extend the backup's
    expect(compareChangelog(backup, await changelogState(mig))).toEqual({ relation: 'diverged', newChangeSets: 0 });
    // a longer history whose first entries differ from the backup's is a fork
    const forkedPrefix = changelogDigest([...expectedEntries(3), ['other-change', 'someone', 'other.xml']]);
    expect(compareChangelog(backup, { ...after, prefix: { count: backup.count, digest: forkedPrefix } })).toEqual({ relation: 'diverged', newChangeSets: 0 });
    // and the equal-length case: same count, different entries
    expect(compareChangelog(backup, { ...backup, digest: forkedPrefix, prefix: null }).relation).toBe('diverged');
    expect(compareChangelog(after, await changelogState(mig)).relation).toBe('same');
    expect(compareChangelog(after, backup).relation).toBe('behind');
  });
});

describe('classifyPgFailure', () => {
  it('recognises what libpq and the tools print', () => {
    expect(classifyPgFailure('psql: error: connection to server at "h", port 1 failed: FATAL:  password authentication failed for user "x"')).toBe('auth');
    expect(classifyPgFailure('fe_sendauth: no password supplied')).toBe('auth');
    expect(classifyPgFailure('FATAL:  no pg_hba.conf entry for host "127.0.0.1", user "x", database "y"')).toBe('auth');
    expect(classifyPgFailure('connection to server at "h", port 1 failed: Connection refused')).toBe('unreachable');
    expect(classifyPgFailure('could not translate host name "nope" to address')).toBe('unreachable');
    expect(classifyPgFailure('FATAL:  database "x" does not exist')).toBe('database-missing');
    expect(classifyPgFailure('ERROR:  permission denied to create database')).toBe('permission');
    expect(classifyPgFailure('pg_dump: error: aborting because of server version mismatch')).toBe('version-mismatch');
    expect(classifyPgFailure('ERROR:  syntax error at or near "x"')).toBe('failed');
  });
});
