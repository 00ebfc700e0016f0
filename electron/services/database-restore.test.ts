/**
 * The restore a restore-mode rollback makes, against a real PostgreSQL
 * started by this file, on a database with Keycloak's own table and column
 * names (changelog, realm flags, users, events, sessions, JGROUPS_PING):
 * restore beside and swap names (the migrated database kept with its data),
 * the session policies and their counts, the lost-writes count, refusals
 * while a client is connected, failures that leave the live database exactly
 * as it was, and the prune of kept databases through the service and the CLI.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema, type Backup } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { insertCluster } from '../ledger/clusters-repo.ts';
import { openLedger, type Ledger } from '../ledger/open-ledger.ts';
import { sha256File } from '../tools/keycloak-dist.ts';
import { addChangeSet, seedKeycloakLikeSchema, startPostgres, type TestPostgres } from '../tools/test-support/postgres.ts';
import { createBackupService, type BackupService } from './backup-service.ts';
import { createServices } from '../registry/services.ts';

const PASSWORD = 'rs-Secret-5e81a0';
const DAY = 86_400_000;
let pg: TestPostgres;
let home: string;
let db: Ledger;
let service: BackupService;
let passwordFile: string;

const spec = (name: string, database: string, user = 'kc') =>
  clusterSpecSchema.parse(sampleSpec({ name, database: { host: pg.host, port: pg.port, name: database, user, passwordRef: { file: passwordFile } } }));

/** One value from the superuser's view of `database`. */
const q = async (database: string, sql: string): Promise<string> => (await pg.admin(`\\connect :"db"\n${sql}`, { db: database })).trim();
const databases = async () => (await q('postgres', 'SELECT string_agg(datname, \',\' ORDER BY datname) FROM pg_database;')).split(',');

/** Everything that must not move when a restore fails: the live database's identity and contents, and the server's database list. */
async function fingerprint(database: string) {
  return {
    oid: await q('postgres', `SELECT oid FROM pg_database WHERE datname = '${database}';`),
    changelog: await q(database, 'SELECT count(*) || \':\' || max(id) FROM databasechangelog;'),
    users: await q(database, 'SELECT string_agg(username, \',\' ORDER BY username) FROM user_entity;'),
    sessions: await q(database, 'SELECT count(*) FROM offline_user_session;'),
    databases: await databases(),
  };
}

async function keyturnError(p: Promise<unknown>): Promise<KeyturnError> {
  const err = await p.then(() => new Error('expected a KeyturnError, got success'), (e: unknown) => e);
  expect(err).toBeInstanceOf(KeyturnError);
  return err as KeyturnError;
}

/**
 * Keycloak's tables (names and columns as Keycloak 26 creates them on
 * PostgreSQL) with rows stamped `at` (ms): users, events, sessions online and
 * offline, discovery rows; realm `acme` stores no events.
 */
async function seedKeycloakTables(database: string, at: number): Promise<void> {
  const s = Math.floor(at / 1000);
  await pg.admin(`\\connect :"db"
SET ROLE kc;
ALTER TABLE realm ADD COLUMN events_enabled boolean DEFAULT false NOT NULL, ADD COLUMN admin_events_enabled boolean DEFAULT false NOT NULL;
UPDATE realm SET events_enabled = true, admin_events_enabled = true WHERE name = 'master';
CREATE TABLE user_entity (id varchar(36) PRIMARY KEY, email varchar(255), email_constraint varchar(255), email_verified boolean DEFAULT false NOT NULL,
  enabled boolean DEFAULT false NOT NULL, federation_link varchar(255), first_name varchar(255), last_name varchar(255), realm_id varchar(255),
  username varchar(255), created_timestamp bigint, service_account_client_link varchar(255), not_before integer DEFAULT 0 NOT NULL);
CREATE TABLE event_entity (id varchar(36) PRIMARY KEY, client_id varchar(255), details_json varchar(2550), error varchar(255), ip_address varchar(255),
  realm_id varchar(255), session_id varchar(255), event_time bigint, type varchar(255), user_id varchar(255), details_json_long_value text);
CREATE TABLE admin_event_entity (id varchar(36) PRIMARY KEY, admin_event_time bigint, realm_id varchar(255), operation_type varchar(255),
  auth_realm_id varchar(255), auth_client_id varchar(255), auth_user_id varchar(255), ip_address varchar(255), resource_path varchar(2550),
  representation text, error varchar(255), resource_type varchar(64), details_json text);
CREATE TABLE offline_user_session (user_session_id varchar(36) NOT NULL, user_id varchar(255) NOT NULL, realm_id varchar(36) NOT NULL,
  created_on integer NOT NULL, offline_flag varchar(4) NOT NULL, data text, last_session_refresh integer DEFAULT 0 NOT NULL,
  broker_session_id varchar(1024), version integer DEFAULT 0, PRIMARY KEY (user_session_id, offline_flag));
CREATE TABLE offline_client_session (user_session_id varchar(36) NOT NULL, client_id varchar(255) NOT NULL, offline_flag varchar(4) NOT NULL,
  "timestamp" integer, data text, client_storage_provider varchar(36) DEFAULT 'local' NOT NULL, external_client_id varchar(255) DEFAULT 'local' NOT NULL,
  version integer DEFAULT 0, PRIMARY KEY (user_session_id, client_id, client_storage_provider, external_client_id, offline_flag));
CREATE TABLE jgroups_ping (address varchar(200) PRIMARY KEY, name varchar(200), cluster_name varchar(200) NOT NULL, ip varchar(200) NOT NULL, coord boolean);
CREATE TABLE credential (id varchar(36) PRIMARY KEY, salt bytea, type varchar(255), user_id varchar(36), created_date bigint, user_label varchar(255),
  secret_data text, credential_data text, priority integer, version integer DEFAULT 0);
INSERT INTO credential (id, type, user_id, created_date, secret_data) VALUES ('c1', 'password', 'u1', ${at - DAY}, '{"value":"old-hash-1"}'), ('c2', 'password', 'u2', ${at - DAY}, '{"value":"old-hash-2"}');
INSERT INTO user_entity (id, realm_id, username, created_timestamp) VALUES ('u1', 'id-0', 'alice', ${at - DAY}), ('u2', 'id-1', 'bob', ${at - DAY});
INSERT INTO event_entity (id, realm_id, event_time, type) VALUES ('e1', 'id-0', ${at - DAY}, 'LOGIN'), ('e2', 'id-0', ${at - DAY}, 'LOGIN');
INSERT INTO offline_user_session (user_session_id, user_id, realm_id, created_on, offline_flag) VALUES
  ('s1', 'u1', 'id-0', ${s - 3600}, '0'), ('s2', 'u2', 'id-1', ${s - 3600}, '0'), ('s3', 'u1', 'id-0', ${s - 3600}, '1');
INSERT INTO offline_client_session (user_session_id, client_id, offline_flag, "timestamp") VALUES
  ('s1', 'app', '0', ${s}), ('s1', 'account', '0', ${s}), ('s2', 'app', '0', ${s}), ('s3', 'app', '1', ${s}), ('s3', 'account', '1', ${s});
INSERT INTO jgroups_ping (address, name, cluster_name, ip, coord) VALUES ('uuid://1', 'n1', 'ISPN', '127.0.10.1:7800', true), ('uuid://2', 'n2', 'ISPN', '127.0.10.2:7800', false);
`, { db: database });
}

/** What a migration and traffic after the backup do: a change set, a new user, events, a session. */
async function writeAfterBackup(database: string, id: string): Promise<void> {
  await addChangeSet(pg, database, id);
  const now = Date.now() + 1000;
  await pg.admin(`\\connect :"db"
INSERT INTO user_entity (id, realm_id, username, created_timestamp) VALUES ('u-' || :'id', 'id-1', 'carol', ${now});
INSERT INTO event_entity (id, realm_id, event_time, type) SELECT 'e-' || :'id' || g, 'id-0', ${now}, 'LOGIN' FROM generate_series(1, 3) g;
INSERT INTO admin_event_entity (id, admin_event_time, realm_id, operation_type) VALUES ('a-' || :'id', ${now}, 'id-0', 'CREATE');
INSERT INTO admin_event_entity (id, admin_event_time, realm_id, operation_type, resource_type, resource_path, auth_user_id, representation) VALUES
  ('ap-' || :'id', ${now + 2000}, 'id-0', 'ACTION', 'USER', 'users/u1/reset-password', 'u2', '{"type":"password","value":"Pa55-w0rd-not-to-leak"}');
INSERT INTO event_entity (id, realm_id, event_time, type, user_id, details_json) VALUES
  ('ep-' || :'id', 'id-0', ${now + 3000}, 'UPDATE_PASSWORD', 'u1', '{"secret":"Pa55-w0rd-not-to-leak"}');
INSERT INTO event_entity (id, realm_id, event_time, type, user_id, error) VALUES ('ef-' || :'id', 'id-0', ${now + 4000}, 'UPDATE_PASSWORD', 'u2', 'invalid_user_credentials');
INSERT INTO offline_user_session (user_session_id, user_id, realm_id, created_on, offline_flag) VALUES ('s-' || :'id', 'u1', 'id-0', ${Math.floor(now / 1000)}, '0');
-- credentials as Keycloak writes them: carol's new password, and alice's (master, events on) and bob's (acme, no events) changed in place
INSERT INTO credential (id, type, user_id, created_date, secret_data) VALUES ('c-' || :'id', 'password', 'u-' || :'id', ${now + 1}, '{"value":"Pa55-w0rd-not-to-leak"}');
UPDATE credential SET created_date = ${now + 3000}, secret_data = '{"value":"Pa55-w0rd-not-to-leak"}' WHERE id = 'c1';
UPDATE credential SET created_date = ${now + 5000}, secret_data = '{"value":"Pa55-w0rd-not-to-leak"}' WHERE id = 'c2';
`, { db: database, id });
}

/**
 * A client of the live database, as a Keycloak node is; resolves once the
 * server lists it. Wrapped in an object: an async function returning the
 * subprocess itself would wait for it to exit (it is a thenable).
 */
async function connectClient(database: string, application: string): Promise<{ client: ResultPromise }> {
  const client = execa('psql', ['-X', '-h', pg.host, '-p', String(pg.port), '-U', 'kc', '-d', database], {
    env: { PGPASSWORD: PASSWORD, PGAPPNAME: application }, stdin: 'pipe', reject: false,
  });
  for (let i = 0; i < 200; i++) {
    if (Number(await q('postgres', `SELECT count(*) FROM pg_stat_activity WHERE application_name = '${application}';`)) > 0) return { client };
    await new Promise((r) => setTimeout(r, 100));
  }
  await disconnect(client);
  throw new Error(`psql ${application} never connected`);
}

/** Ends the client as a stopped node does: psql reads end of input and quits. */
async function disconnect(client: ResultPromise | undefined): Promise<void> {
  if (!client) return;
  client.stdin?.end();
  const exited = await Promise.race([client.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 10_000))]);
  if (!exited) client.kill('SIGKILL');
  await client;
}

let backup: Backup;

beforeAll(async () => {
  pg = await startPostgres('127.0.40.3');
  await pg.createRoleAndDatabase('kc', PASSWORD, 'keycloak', { createdb: true });
  await seedKeycloakLikeSchema(pg, 'keycloak', 'kc', 5, ['master', 'acme']);
  await seedKeycloakTables('keycloak', Date.now());
  home = mkdtempSync(join(tmpdir(), 'keyturn-restore-'));
  passwordFile = join(home, 'db-password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  db = openLedger(join(home, 'ledger.sqlite'));
  insertCluster(db, spec('acme', 'keycloak'));
  service = createBackupService({ db, home, env: {} });
  backup = await service.verify((await service.create('acme')).id);
  await writeAfterBackup('keycloak', '99.0.0-upgrade');
}, 120_000);

afterAll(async () => {
  db?.close();
  await pg?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('lostWritesSince', () => {
  it('names the user created after the backup and counts events, admin events and sessions since, in the live database', async () => {
    const lost = await service.lostWritesSince(backup.id);
    expect(lost.users).toEqual({ count: 1, named: [{ username: 'carol', realm: 'acme' }] });
    expect(lost).toMatchObject({ backupId: backup.id, since: backup.createdAt, events: 5, adminEvents: 2, sessions: { online: 1, offline: 0 } });
    expect(lost.items.map((i) => i.kind)).toEqual(['users', 'credentials', 'events', 'admin-events', 'sessions', 'tables']);
    // by name and time, oldest first: the user created and her password, the admin's password reset of alice (user id shown as her name), her own password change; bob's password changed in acme, which stores no events, is named from the credential row; logins and the failed attempt are not writes
    const hhmmss = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)} UTC`;
    expect(lost.changes.map((c) => ({ kind: c.kind, text: c.text.replace(/^\d\d:\d\d:\d\d UTC /, '') }))).toEqual([
      { kind: 'user-created', text: 'user carol created (realm acme)' },
      { kind: 'admin', text: 'admin create by unknown (realm master)' },
      { kind: 'credential', text: 'password set for carol (realm acme, which stores no user events)' },
      { kind: 'admin', text: 'admin action user users/alice/reset-password by bob (realm master)' },
      { kind: 'user-event', text: 'update password by alice (realm master)' },
      { kind: 'credential', text: 'password set for bob (realm acme, which stores no user events)' },
    ]);
    // three credentials set in all (alice's is named by her event), and the key tables against the backup's verified counts
    expect(lost.items[1]).toEqual({ kind: 'credentials', count: 3, text: "3 credential(s) (passwords, OTP, passkeys) set since the backup would be lost: those users' earlier credentials come back." });
    expect(backup.lastVerification?.tables).toMatchObject({ realm: 2, user_entity: 2, credential: 2 });
    expect(lost.items[5]).toMatchObject({ kind: 'tables', count: 2 });
    expect(lost.items[5]!.text).toMatch(/^Row counts differ from the backup: users 2 -> 3 \(\+1\), credentials 2 -> 3 \(\+1\)\. /);
    for (const c of lost.changes) expect(c.text.startsWith(hhmmss(Date.parse(c.at)))).toBe(true);
    expect(lost.changesNotListed).toBe(0);
    // names, types and paths only: never a representation or event details
    expect(JSON.stringify(lost)).not.toContain('Pa55-w0rd-not-to-leak');
    expect(lost.items[0]?.text).toBe('1 user(s) created since the backup would be lost: carol (acme).');
    expect(lost.uncounted.join('\n')).toMatch(/Admin changes in realm\(s\) acme cannot be counted: admin events are not enabled there/);
    expect(lost.uncounted.join('\n')).toMatch(/user events in realm\(s\) acme are not stored/);
  });

  it('on an older schema without those tables, says what cannot be counted instead of failing', async () => {
    await pg.admin("CREATE DATABASE olddb OWNER kc TEMPLATE template0 ENCODING 'UTF8';\n");
    await seedKeycloakLikeSchema(pg, 'olddb', 'kc', 2, ['master']);
    insertCluster(db, spec('old', 'olddb'));
    const b = await service.create('old');
    const lost = await service.lostWritesSince(b.id);
    expect(lost).toMatchObject({ users: { count: null, named: [] }, events: null, adminEvents: null, sessions: null });
    // never verified: the key tables are not compared, and it says how to get them compared
    expect(lost.items.filter((i) => i.kind !== 'tables').every((i) => i.count === null && /cannot be counted/.test(i.text))).toBe(true);
    expect(lost.items.find((i) => i.kind === 'tables')).toMatchObject({ count: null, text: expect.stringMatching(/not compared: .*keyturn backup verify/) });
    expect(lost.uncounted.join('\n')).toMatch(/Admin changes .* counted only in realms that store admin events/);
  });
});

describe('restoreBeside', () => {
  it('restores into a new database, swaps names, keeps the migrated one dated with its data, drops online sessions and clears JGROUPS_PING', async () => {
    const stages: string[] = [];
    const r = await service.restoreBeside(backup.id, { onStage: (s) => void stages.push(s) });
    expect(stages).toEqual(['checking', 'restoring', 'verifying', 'cleaning', 'swapping']);
    expect(r.keptAs).toMatch(/^keycloak_migrated_\d{12}(_\d+)?$/);
    expect(r).toMatchObject({ restoredFrom: backup.id, database: 'keycloak', jgroupsRowsCleared: 2, changelog: { digest: backup.changelog?.digest, count: 5 } });
    expect(r.sessions).toEqual({ policy: 'drop-online', onlineUserSessions: 2, onlineClientSessions: 3, offlineUserSessions: 0, offlineClientSessions: 0 });
    // live: the backup's state, cleaned
    expect(await service.compareWithLive(backup.id)).toMatchObject({ relation: 'same' });
    expect(await q('keycloak', 'SELECT string_agg(username, \',\' ORDER BY username) FROM user_entity;')).toBe('alice,bob');
    expect(await q('keycloak', 'SELECT count(*) FROM jgroups_ping;')).toBe('0');
    expect(await q('keycloak', 'SELECT string_agg(user_session_id || \'/\' || offline_flag, \',\') FROM offline_user_session;')).toBe('s3/1');
    expect(await q('keycloak', 'SELECT count(*) FROM offline_client_session WHERE offline_flag = \'1\';')).toBe('2');
    // kept: the migrated database, whole
    expect(await q(r.keptAs, 'SELECT max(id) FROM databasechangelog WHERE id LIKE \'99%\';')).toBe('99.0.0-upgrade');
    expect(await q(r.keptAs, 'SELECT string_agg(username, \',\' ORDER BY username) FROM user_entity;')).toBe('alice,bob,carol');
    expect(await q(r.keptAs, 'SELECT count(*) FROM jgroups_ping;')).toBe('2');
    expect((await databases()).filter((d) => d.includes('_restore_'))).toEqual([]);
    expect(service.retained('acme')).toMatchObject([{ name: r.keptAs, host: pg.host, port: pg.port, backupId: backup.id, runId: null, droppedAt: null }]);
  });

  it('drop-all drops every session and counts online and offline rows; keep-all drops none', async () => {
    const all = await service.restoreBeside(backup.id, { sessionPolicy: 'drop-all' });
    expect(all.sessions).toEqual({ policy: 'drop-all', onlineUserSessions: 2, onlineClientSessions: 3, offlineUserSessions: 1, offlineClientSessions: 2 });
    expect(await q('keycloak', 'SELECT count(*) FROM offline_user_session;')).toBe('0');
    const keep = await service.restoreBeside(backup.id, { sessionPolicy: 'keep-all' });
    expect(keep.sessions).toEqual({ policy: 'keep-all', onlineUserSessions: 0, onlineClientSessions: 0, offlineUserSessions: 0, offlineClientSessions: 0 });
    expect(await q('keycloak', 'SELECT count(*) FROM offline_user_session;')).toBe('3');
    expect(keep.keptAs).not.toBe(all.keptAs);
    expect(service.retained('acme').map((k) => k.name)).toEqual(expect.arrayContaining([all.keptAs, keep.keptAs]));
  });

  it('refuses while a client is connected to the live database, naming its address, and changes nothing', async () => {
    const before = await fingerprint('keycloak');
    const { client } = await connectClient('keycloak', 'keycloak-n1.example');
    try {
      const err = await keyturnError(service.restoreBeside(backup.id));
      expect(err.code).toBe('conflict');
      expect(err.message).toMatch(/connected to database "keycloak".*127\.0\.0\.1 \(keycloak-n1\.example\)/);
      expect(err.hint).toMatch(/Stop every Keycloak node/);
    } finally {
      await disconnect(client);
    }
    expect(await fingerprint('keycloak')).toEqual(before);
  });

  it('a client that connects during the restore: refused at the swap, the half-made copy dropped, live unchanged', async () => {
    const before = await fingerprint('keycloak');
    let client: ResultPromise | undefined;
    try {
      const err = await keyturnError(service.restoreBeside(backup.id, {
        onStage: async (s) => {
          if (s === 'swapping') ({ client } = await connectClient('keycloak', 'keycloak-n2.example'));
        },
      }));
      expect(err.code).toBe('conflict');
      expect(err.message).toContain('keycloak-n2.example');
    } finally {
      await disconnect(client);
    }
    expect(await fingerprint('keycloak')).toEqual(before);
  });

  it('a dump whose sha256 is not the recorded one: refused before anything is made', async () => {
    const b = await service.create('acme');
    const bytes = readFileSync(b.path);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    writeFileSync(b.path, bytes);
    const before = await fingerprint('keycloak');
    const err = await keyturnError(service.restoreBeside(b.id));
    expect(err.code).toBe('artifact-failed');
    expect(err.message).toContain('is not the file that was recorded');
    expect(await fingerprint('keycloak')).toEqual(before);
  });

  it('pg_restore failing half-way (a truncated dump, recorded as it is): the copy is dropped, live unchanged', async () => {
    const b = await service.create('acme');
    writeFileSync(b.path, readFileSync(b.path).subarray(0, Math.floor(statSync(b.path).size * 0.6)));
    db.prepare('UPDATE backups SET sha256 = ?, size = ? WHERE id = ?').run(await sha256File(b.path), statSync(b.path).size, b.id);
    const before = await fingerprint('keycloak');
    const err = await keyturnError(service.restoreBeside(b.id));
    expect(err.code).toBe('tool-failed');
    expect(err.message).toMatch(/pg_restore/);
    expect(await fingerprint('keycloak')).toEqual(before);
  });

  it('a restored changelog that is not the recorded one: refused before the swap, the copy dropped, live unchanged', async () => {
    const b = await service.create('acme');
    db.prepare('UPDATE backups SET changelog_json = ? WHERE id = ?').run(JSON.stringify({ ...b.changelog!, digest: 'e'.repeat(64) }), b.id);
    const before = await fingerprint('keycloak');
    const err = await keyturnError(service.restoreBeside(b.id));
    expect(err.code).toBe('artifact-failed');
    expect(err.message).toMatch(/The live database was not touched/);
    expect(await fingerprint('keycloak')).toEqual(before);
  });

  it('a role without CREATEDB is refused up front, with the GRANT that fixes it', async () => {
    await pg.admin(`CREATE ROLE plain LOGIN PASSWORD '${PASSWORD}';\nCREATE DATABASE plaindb OWNER plain TEMPLATE template0 ENCODING 'UTF8';\n`);
    await seedKeycloakLikeSchema(pg, 'plaindb', 'plain', 1, ['master']);
    insertCluster(db, spec('plain', 'plaindb', 'plain'));
    const b = await service.create('plain');
    const before = await databases();
    const err = await keyturnError(service.restoreBeside(b.id));
    expect(err.code).toBe('tool-failed');
    expect(err.message).toMatch(/Role "plain" cannot restore beside database "plaindb".*lacks CREATEDB/);
    expect(err.hint).toContain('ALTER ROLE plain CREATEDB;');
    expect(await databases()).toEqual(before);
  });
});

describe('retained databases', () => {
  it('pruneRetained drops only the databases it names and records when', async () => {
    const kept = service.retained('acme');
    expect(kept.length).toBeGreaterThanOrEqual(2);
    const [first, ...rest] = kept;
    const unknown = await keyturnError(service.pruneRetained('acme', ['keycloak']));
    expect(unknown.code).toBe('not-found');
    expect(await databases()).toContain(first!.name);

    const dropped = await service.pruneRetained('acme', [first!.name]);
    expect(dropped).toMatchObject([{ name: first!.name }]);
    expect(dropped[0]?.droppedAt).not.toBeNull();
    const names = await databases();
    expect(names).not.toContain(first!.name);
    for (const k of rest) expect(names).toContain(k.name);
    expect(names).toContain('keycloak');
    expect(service.retained('acme').map((k) => k.name)).toEqual(rest.map((k) => k.name));
    expect(db.prepare('SELECT dropped_at FROM retained_databases WHERE name = ?').get(first!.name)).toMatchObject({ dropped_at: dropped[0]?.droppedAt });
  });

  it('keyturn backup retained lists them; prune without --confirm exits 2 naming them, with --confirm drops them', async () => {
    const cliHome = mkdtempSync(join(tmpdir(), 'keyturn-restore-cli-'));
    const keyturn = (args: string[]) => execa(process.execPath, [join(process.cwd(), 'bin', 'keyturn.js'), ...args], { env: { KEYTURN_HOME: cliHome }, reject: false });
    try {
      await pg.admin("CREATE DATABASE clidb OWNER kc TEMPLATE template0 ENCODING 'UTF8';\n");
      await seedKeycloakLikeSchema(pg, 'clidb', 'kc', 2, ['master']);
      const services = createServices({ home: cliHome, mode: 'cli' });
      let keptAs: string;
      try {
        services.clusters.register(spec('cli', 'clidb'));
        const b = await services.backups.create('cli');
        keptAs = (await services.backups.restoreBeside(b.id)).keptAs;
      } finally {
        services.close();
      }
      const listed = await keyturn(['backup', 'retained', '--cluster', 'cli']);
      expect(listed.exitCode, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`${keptAs}\\s+${pg.host.replace(/\./g, '\\.')}:${pg.port}\\s+\\S+\\s+replaced by the restore of backup`));

      const unconfirmed = await keyturn(['backup', 'prune', '--cluster', 'cli']);
      expect(unconfirmed.exitCode).toBe(2);
      expect(unconfirmed.stderr).toContain(`Would drop 1 kept database(s) of 'cli': ${keptAs}`);
      expect(unconfirmed.stderr).toMatch(/hint: .*keyturn backup prune --cluster cli --confirm/);
      expect(await databases()).toContain(keptAs);

      const pruned = await keyturn(['backup', 'prune', '--cluster', 'cli', '--name', keptAs, '--confirm', '--json']);
      expect(pruned.exitCode, pruned.stderr).toBe(0);
      expect(JSON.parse(pruned.stdout)).toMatchObject([{ name: keptAs }]);
      expect(await databases()).not.toContain(keptAs);
      expect((await keyturn(['backup', 'retained', '--cluster', 'cli'])).stdout).toContain("No kept databases for 'cli'.");
    } finally {
      rmSync(cliHome, { recursive: true, force: true });
    }
  });
});
