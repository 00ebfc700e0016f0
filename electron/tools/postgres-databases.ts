/**
 * Whole databases on a PostgreSQL server: who is connected, a database made
 * like another, and the two renames that swap a restored copy in.
 *
 * Why whole databases and not a schema restored over the live one: a
 * rollback must never destroy the migrated database. It restores beside it,
 * then swaps names in one transaction, so the server holds either the old
 * pair of names or the new one, never a half-way state. All of it runs
 * through the server's `postgres` maintenance database, because PostgreSQL
 * renames or drops a database only when nobody (this caller included) is
 * connected to it.
 *
 * The rule of `postgres.ts` holds here too: Keyturn drops only databases it
 * named itself (`keyturn_*`, `<live>_restore_<stamp>`, `<live>_migrated_<stamp>`).
 */
import { KeyturnError } from '../../shared/errors.ts';
import { describeTarget, psqlQuery, type PgCallOptions, type PgConnection } from './postgres.ts';

/** The same server and role, connected to the `postgres` maintenance database. */
export const maintenanceConnection = (c: PgConnection): PgConnection => ({ ...c, database: 'postgres' });

/** Databases Keyturn names itself and may therefore drop. */
const keyturnMade = /^(keyturn_[a-z0-9_]{1,54}|[A-Za-z_][A-Za-z0-9_]{0,37}_(restore|migrated)_\d{12}(_\d{1,2})?)$/;

/** Whether `name` is one Keyturn makes (and so may drop). */
export const isKeyturnDatabaseName = (name: string): boolean => keyturnMade.test(name) && name.length <= 63;

/** `202612011310`: UTC to the minute, the stamp of dated database names. */
export function databaseStamp(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 12);
}

/**
 * `<live>_<kind>_<stamp>[_n]`, with the live name shortened so the whole
 * stays within PostgreSQL's 63-byte identifiers (a longer name would be cut
 * silently by the server, and two cuts could collide).
 */
export function datedDatabaseName(live: string, kind: 'restore' | 'migrated', stamp: string, n = 1): string {
  const suffix = `_${kind}_${stamp}${n > 1 ? `_${n}` : ''}`;
  return `${live.slice(0, 38)}${suffix}`;
}

/** A session connected to a database, as `pg_stat_activity` shows it. */
export interface DatabaseSession {
  pid: number;
  /** Null when the server hides it (another role's session, or a Unix socket). */
  clientAddress: string | null;
  application: string;
  user: string;
}

/** Who else is connected to `database` (never this call's own session). */
export async function sessionsOn(maint: PgConnection, database: string, opts: PgCallOptions = {}): Promise<DatabaseSession[]> {
  const rows = await psqlQuery(maint, `SELECT pid, coalesce(host(client_addr), ''), coalesce(application_name, ''), coalesce(usename, '')
FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid() ORDER BY client_addr, pid;
`, { ...opts, vars: { db: database } });
  return rows.map((r) => ({ pid: Number(r[0]), clientAddress: r[1] || null, application: r[2] ?? '', user: r[3] ?? '' }));
}

/** `127.0.10.1 (keycloak-n1), 127.0.10.2`: sessions named the way an operator finds the node. */
export function describeSessions(sessions: readonly DatabaseSession[]): string {
  const names = sessions.map((s) => `${s.clientAddress ?? `pid ${s.pid} (address hidden${s.user ? `, role ${s.user}` : ''})`}${s.application ? ` (${s.application})` : ''}`);
  return [...new Set(names)].join(', ');
}

/** Throws `conflict` naming the clients when anyone is connected to `database`. */
export async function requireNoSessions(maint: PgConnection, database: string, opts: PgCallOptions = {}): Promise<void> {
  const sessions = await sessionsOn(maint, database, opts);
  if (sessions.length === 0) return;
  throw new KeyturnError('conflict',
    `${sessions.length} session(s) are connected to database "${database}" on ${maint.host}:${maint.port}: ${describeSessions(sessions)}. It cannot be replaced while in use; nothing was changed.`,
    'Stop every Keycloak node of this cluster (and any other client of this database) first, then restore again.',
    { clients: sessions.map((s) => s.clientAddress ?? `pid ${s.pid}`) });
}

/** Encoding and locale of a database, so its replacement sorts and compares text the same way. */
export interface DatabaseSettings {
  encoding: string;
  collate: string;
  ctype: string;
}

/** The settings of `name`, or null when no such database exists. */
export async function databaseSettings(maint: PgConnection, name: string, opts: PgCallOptions = {}): Promise<DatabaseSettings | null> {
  const rows = await psqlQuery(maint, `SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database WHERE datname = :'db';\n`, { ...opts, vars: { db: name } });
  const r = rows[0];
  return r ? { encoding: r[0] ?? 'UTF8', collate: r[1] ?? 'C', ctype: r[2] ?? 'C' } : null;
}

function checkKeyturnMade(name: string): void {
  if (!isKeyturnDatabaseName(name)) {
    throw new KeyturnError('invalid-input', `"${name}" is not a database Keyturn made; Keyturn creates and drops only its own (keyturn_*, <live>_restore_<stamp>, <live>_migrated_<stamp>).`,
      'Drop other databases yourself, with the tools of your database team.');
  }
}

/** Creates `name` (Keyturn-named) with the encoding and locale of another database. */
export async function createDatabaseLike(maint: PgConnection, name: string, like: DatabaseSettings, opts: PgCallOptions = {}): Promise<void> {
  checkKeyturnMade(name);
  await psqlQuery(maint, `CREATE DATABASE :"db" TEMPLATE template0 ENCODING :'enc' LC_COLLATE :'coll' LC_CTYPE :'ctype';\n`,
    { ...opts, vars: { db: name, enc: like.encoding, coll: like.collate, ctype: like.ctype } });
}

/**
 * Drops `name` if it exists; refuses any name Keyturn does not make. `force`
 * (PostgreSQL 13+) also ends sessions still on it: for a half-made restore
 * copy whose aborted pg_restore the server has not noticed yet. Older servers
 * get the plain drop.
 */
export async function dropKeyturnDatabase(maint: PgConnection, name: string, opts: PgCallOptions & { force?: boolean } = {}): Promise<void> {
  checkKeyturnMade(name);
  const { force, ...call } = opts;
  if (force) {
    const ok = await psqlQuery(maint, `DROP DATABASE IF EXISTS :"db" WITH (FORCE);\n`, { ...call, vars: { db: name } }).then(() => true, () => false);
    if (ok) return;
  }
  await psqlQuery(maint, `DROP DATABASE IF EXISTS :"db";\n`, { ...call, vars: { db: name } });
}

/**
 * Renames `live` to `keptAs` and `restored` to `live` in one transaction:
 * if the second rename fails, the first is undone with it. PostgreSQL
 * refuses to rename a database anyone is connected to (after waiting up to
 * 5 s for them to leave); that refusal is turned into a `conflict` naming
 * who was connected.
 */
export async function swapDatabaseNames(maint: PgConnection, names: { live: string; restored: string; keptAs: string }, opts: PgCallOptions = {}): Promise<void> {
  checkKeyturnMade(names.restored);
  checkKeyturnMade(names.keptAs);
  try {
    await psqlQuery(maint, `BEGIN;
ALTER DATABASE :"live" RENAME TO :"kept";
ALTER DATABASE :"restored" RENAME TO :"live";
COMMIT;
`, { ...opts, vars: { live: names.live, kept: names.keptAs, restored: names.restored } });
  } catch (err) {
    if (err instanceof KeyturnError && /is being accessed by other users/.test(err.message)) {
      const busy = /database "([^"]+)" is being accessed/.exec(err.message)?.[1] ?? names.live;
      await requireNoSessions(maint, busy, opts);
      throw new KeyturnError('conflict', `Database "${busy}" on ${describeTarget(maint)} was in use at the rename; nothing was renamed.`, 'Stop every Keycloak node of this cluster first, then restore again.');
    }
    throw err;
  }
}

/**
 * Throws unless the connecting role may create a database beside `live` and
 * rename `live` (CREATEDB and ownership of it, or superuser), checked before
 * a restore that may take an hour rather than at its end. Throws `not-found`
 * when `live` does not exist.
 */
export async function requireSwapPrivileges(maint: PgConnection, live: string, opts: PgCallOptions = {}): Promise<void> {
  const rows = await psqlQuery(maint, `SELECT r.rolsuper, r.rolcreatedb, pg_has_role(current_user, d.datdba, 'USAGE'), pg_get_userbyid(d.datdba)
FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = :'db';
`, { ...opts, vars: { db: live } });
  const r = rows[0];
  if (!r) {
    throw new KeyturnError('not-found', `Database "${live}" does not exist on ${maint.host}:${maint.port}; there is no live database to restore beside.`,
      'Check spec.database.name of this cluster. To bring back a lost database, restore the dump with pg_restore by hand into a new database of that name.');
  }
  const [superuser, createdb, owns, owner] = [r[0] === 't', r[1] === 't', r[2] === 't', r[3] ?? ''];
  if (superuser || (createdb && owns)) return;
  const missing = [...(createdb ? [] : ['CREATEDB']), ...(owns ? [] : [`ownership of database "${live}" (owned by ${owner})`])];
  const grants = [...(createdb ? [] : [`ALTER ROLE ${maint.user} CREATEDB;`]), ...(owns ? [] : [`ALTER DATABASE ${live} OWNER TO ${maint.user};`])];
  throw new KeyturnError('tool-failed',
    `Role "${maint.user}" cannot restore beside database "${live}" on ${maint.host}:${maint.port}: it lacks ${missing.join(' and ')}. A restore creates a new database and swaps names, which needs both. Nothing was changed.`,
    `As a PostgreSQL superuser, run: ${grants.join(' ')} Then restore again.`, { reason: 'permission', target: describeTarget(maint) });
}

/** Tables, views, materialized views and sequences in `schema`: what "empty" means to a restore. */
export async function schemaRelationCount(c: PgConnection, schema: string, opts: PgCallOptions = {}): Promise<number> {
  const rows = await psqlQuery(c, `SELECT count(*) FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace WHERE n.nspname = :'nsp' AND k.relkind IN ('r', 'p', 'v', 'm', 'S');\n`, { ...opts, vars: { nsp: schema } });
  return Number(rows[0]?.[0] ?? 0);
}

/**
 * Drops every table, view and sequence in `schema` of `c`'s database, in one
 * transaction, and returns how many relations were there. The schema itself,
 * the database and its grants stay, so the next restore finds it as a fresh
 * one from Terraform would be. Refuses while any other client is connected
 * (a Keycloak still running there). Only ever called on a decommissioned
 * standby's copy, never on a database that serves.
 */
export async function emptySchema(c: PgConnection, schema: string, opts: PgCallOptions = {}): Promise<number> {
  const sessions = await sessionsOn(maintenanceConnection(c), c.database, opts);
  if (sessions.length) {
    throw new KeyturnError('conflict', `${sessions.length} session(s) are connected to database "${c.database}" on ${c.host}:${c.port}: ${describeSessions(sessions)}. Nothing was dropped.`,
      'Stop Keycloak on those hosts (and any other client of this database), then decommission again.');
  }
  const sql = [
    'BEGIN;',
    `SELECT set_config('keyturn.nsp', :'nsp', true);`,
    'DO $$',
    'DECLARE r record;',
    'BEGIN',
    "  FOR r IN SELECT k.relname, k.relkind FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace",
    "           WHERE n.nspname = current_setting('keyturn.nsp') AND k.relkind IN ('r', 'p', 'v', 'm', 'S')",
    "           ORDER BY CASE k.relkind WHEN 'v' THEN 0 WHEN 'm' THEN 1 WHEN 'S' THEN 3 ELSE 2 END LOOP",
    "    EXECUTE format(CASE r.relkind WHEN 'v' THEN 'DROP VIEW IF EXISTS %I.%I CASCADE' WHEN 'm' THEN 'DROP MATERIALIZED VIEW IF EXISTS %I.%I CASCADE'",
    "                   WHEN 'S' THEN 'DROP SEQUENCE IF EXISTS %I.%I CASCADE' ELSE 'DROP TABLE IF EXISTS %I.%I CASCADE' END,",
    "                   current_setting('keyturn.nsp'), r.relname);",
    '  END LOOP;',
    'END $$;',
    'COMMIT;',
    '',
  ].join('\n');
  const before = await schemaRelationCount(c, schema, opts);
  if (before > 0) await psqlQuery(c, sql, { ...opts, vars: { nsp: schema } });
  const after = await schemaRelationCount(c, schema, opts);
  if (after !== 0) {
    throw new KeyturnError('tool-failed', `${describeTarget(c)} still holds ${after} relations in schema ${schema} after they were dropped.`, 'Something recreates them (a Keycloak still starting there?): stop it, then decommission again.');
  }
  return before;
}
