/**
 * What restoring a backup would lose, counted in the live database before
 * the operator confirms: a restore-mode rollback is honest about its cost
 * only if it names the writes it throws away.
 *
 * Keycloak keeps no general change log, so this counts what its tables can
 * tell: users by `USER_ENTITY.CREATED_TIMESTAMP` (ms), login/user events and
 * admin events by their times (ms) where the realm stores them, sessions by
 * `OFFLINE_USER_SESSION.CREATED_ON` (s). "Since the backup" starts at the
 * backup's `createdAt`, stamped just before its snapshot: a write made in
 * between is counted although the dump may hold it (the safe side). Anything
 * that cannot be counted (a table an older schema lacks, realms without
 * events) is said in words, never thrown as a raw SQL error.
 */
import type { Backup, LostWriteChange, LostWriteItem, LostWrites } from '../../shared/contract/backups.ts';
import { psqlQuery, type FoundTable, type PgCallOptions, type PgConnection } from '../tools/postgres.ts';
import { compareKeyTables, keyTableCounts, type KeyTableCounts } from './key-tables.ts';

/** How many lost users are named; the rest are counted. */
export const NAMED_USERS_MAX = 20;

interface Ctx {
  c: PgConnection;
  schema: string | undefined;
  opts: PgCallOptions;
  sinceMs: number;
  /** The tables this module reads and their columns, asked once per count (one psql call instead of one per table and column). */
  catalog?: Promise<Map<string, { table: FoundTable; columns: Set<string> }>>;
}

/** Keycloak's tables read here, lower-case (Liquibase creates them unquoted). */
const readTables = ['user_entity', 'realm', 'event_entity', 'admin_event_entity', 'offline_user_session', 'credential'];

/**
 * The catalog of `readTables` in the schema (or the current one), matched
 * case-insensitively as findTable does, an exact lower-case name first.
 */
async function loadCatalog(x: Ctx): Promise<Map<string, { table: FoundTable; columns: Set<string> }>> {
  const rows = await psqlQuery(x.c, `SELECT n.nspname, c.relname, lower(a.attname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p') AND n.nspname = coalesce(nullif(:'schema', ''), current_schema()) AND lower(c.relname) IN (${readTables.map((t) => `'${t}'`).join(', ')})
ORDER BY c.relname = lower(c.relname) DESC, c.relname;
`, { ...x.opts, vars: { schema: x.schema ?? '' } });
  const catalog = new Map<string, { table: FoundTable; columns: Set<string> }>();
  for (const [nsp = '', rel = '', col = ''] of rows) {
    const key = rel.toLowerCase();
    const known = catalog.get(key);
    if (known && known.table.name !== rel) continue; // a second spelling of the same name: the first (lower-case) wins
    if (!known) catalog.set(key, { table: { schema: nsp, name: rel }, columns: new Set([col]) });
    else known.columns.add(col);
  }
  return catalog;
}

const vars = (t: FoundTable, extra: Record<string, string> = {}) => ({ nsp: t.schema, rel: t.name, ...extra });

/** The table when it exists with all `columns`, else null. */
async function tableWith(x: Ctx, name: string, columns: string[]): Promise<FoundTable | null> {
  x.catalog ??= loadCatalog(x);
  const t = (await x.catalog).get(name);
  return t && columns.every((col) => t.columns.has(col)) ? t.table : null;
}

async function countSince(x: Ctx, t: FoundTable, column: string, since: number): Promise<number> {
  const rows = await psqlQuery(x.c, `SELECT count(*) FROM :"nsp".:"rel" WHERE :"col" > :'since'::bigint;\n`, { ...x.opts, vars: vars(t, { col: column, since: String(since) }) });
  return Number(rows[0]?.[0] ?? 0);
}

/** Realm names whose `flag` column is false (events or admin events not stored), or null when unknown. */
async function realmsWithout(x: Ctx, flag: 'events_enabled' | 'admin_events_enabled'): Promise<string[] | null> {
  const realm = await tableWith(x, 'realm', ['name', flag]);
  if (!realm) return null;
  const rows = await psqlQuery(x.c, 'SELECT name FROM :"nsp".:"rel" WHERE NOT :"flag" ORDER BY name;\n', { ...x.opts, vars: vars(realm, { flag }) });
  return rows.map((r) => r[0] ?? '');
}

async function lostUsers(x: Ctx): Promise<{ count: number | null; named: { username: string; realm: string }[]; item: LostWriteItem }> {
  const users = await tableWith(x, 'user_entity', ['created_timestamp', 'username', 'realm_id']);
  if (!users) return { count: null, named: [], item: { kind: 'users', count: null, text: 'Users created since the backup cannot be counted: this schema has no USER_ENTITY.CREATED_TIMESTAMP.' } };
  const count = await countSince(x, users, 'created_timestamp', x.sinceMs);
  const realm = await tableWith(x, 'realm', ['id', 'name']);
  const sql = realm
    ? `SELECT u.username, coalesce(r.name, u.realm_id) FROM :"nsp".:"rel" u LEFT JOIN :"rnsp".:"rrel" r ON r.id = u.realm_id
WHERE u.created_timestamp > :'since'::bigint ORDER BY u.created_timestamp, u.username LIMIT ${NAMED_USERS_MAX};\n`
    : `SELECT username, realm_id FROM :"nsp".:"rel" WHERE created_timestamp > :'since'::bigint ORDER BY created_timestamp, username LIMIT ${NAMED_USERS_MAX};\n`;
  const rows = await psqlQuery(x.c, sql, { ...x.opts, vars: vars(users, { since: String(x.sinceMs), rnsp: realm?.schema ?? '', rrel: realm?.name ?? '' }) });
  const named = rows.map((r) => ({ username: r[0] ?? '', realm: r[1] ?? '' }));
  const list = named.map((u) => `${u.username} (${u.realm})`).join(', ');
  const text = count === 0 ? 'No users were created since the backup.'
    : `${count} user(s) created since the backup would be lost: ${list}${count > named.length ? ` and ${count - named.length} more` : ''}.`;
  return { count, named, item: { kind: 'users', count, text } };
}

async function lostEvents(x: Ctx, uncounted: string[]): Promise<{ count: number | null; item: LostWriteItem }> {
  const t = await tableWith(x, 'event_entity', ['event_time']);
  const off = await realmsWithout(x, 'events_enabled');
  if (off?.length) uncounted.push(`Logins and other user events in realm(s) ${off.join(', ')} are not stored (user events off there), so they cannot be counted.`);
  if (!t) return { count: null, item: { kind: 'events', count: null, text: 'Login/user events cannot be counted: this schema has no EVENT_ENTITY table.' } };
  const count = await countSince(x, t, 'event_time', x.sinceMs);
  return { count, item: { kind: 'events', count, text: `${count} login/user event(s) recorded since the backup would be lost${off?.length ? ' (realms storing events only)' : ''}.` } };
}

async function lostAdminEvents(x: Ctx, uncounted: string[]): Promise<{ count: number | null; item: LostWriteItem }> {
  const t = await tableWith(x, 'admin_event_entity', ['admin_event_time']);
  const off = await realmsWithout(x, 'admin_events_enabled');
  if (off === null) uncounted.push('Admin changes (clients, roles, realm settings, users edited) are counted only in realms that store admin events; which realms do could not be read.');
  else if (off.length) uncounted.push(`Admin changes in realm(s) ${off.join(', ')} cannot be counted: admin events are not enabled there. Changes made there since the backup are lost without being named.`);
  if (!t) return { count: null, item: { kind: 'admin-events', count: null, text: 'Admin changes cannot be counted: this schema has no ADMIN_EVENT_ENTITY table.' } };
  const count = await countSince(x, t, 'admin_event_time', x.sinceMs);
  return { count, item: { kind: 'admin-events', count, text: `${count} admin change(s) (admin events) since the backup would be lost${off?.length ? ' (realms storing admin events only)' : ''}.` } };
}

async function lostSessions(x: Ctx): Promise<{ sessions: LostWrites['sessions']; item: LostWriteItem }> {
  const t = await tableWith(x, 'offline_user_session', ['created_on', 'offline_flag']);
  if (!t) return { sessions: null, item: { kind: 'sessions', count: null, text: 'Sessions started since the backup cannot be counted: this schema has no OFFLINE_USER_SESSION.CREATED_ON.' } };
  const rows = await psqlQuery(x.c, `SELECT count(*) FILTER (WHERE offline_flag = '0'), count(*) FILTER (WHERE offline_flag <> '0') FROM :"nsp".:"rel" WHERE created_on > :'since'::bigint;\n`,
    { ...x.opts, vars: vars(t, { since: String(Math.floor(x.sinceMs / 1000)) }) });
  const sessions = { online: Number(rows[0]?.[0] ?? 0), offline: Number(rows[0]?.[1] ?? 0) };
  const count = sessions.online + sessions.offline;
  return { sessions, item: { kind: 'sessions', count, text: `${count} session(s) started since the backup (${sessions.online} online, ${sessions.offline} offline) would be lost: those users sign in again, and offline tokens issued since stop working.` } };
}

/**
 * Credentials set since the point (a password set or changed, an OTP or a
 * passkey registered): Keycloak stamps `CREDENTIAL.CREATED_DATE` (ms) on
 * each, also when a password is changed in place. Counted in every realm; it
 * is the trace a password change leaves where the realm stores no events.
 */
async function lostCredentials(x: Ctx): Promise<LostWriteItem> {
  const t = await tableWith(x, 'credential', ['created_date']);
  if (!t) return { kind: 'credentials', count: null, text: 'Credentials set since the backup cannot be counted: this schema has no CREDENTIAL.CREATED_DATE.' };
  const count = await countSince(x, t, 'created_date', x.sinceMs);
  return { kind: 'credentials', count, text: count === 0 ? 'No credential (password, OTP, passkey) was set since the backup.'
    : `${count} credential(s) (passwords, OTP, passkeys) set since the backup would be lost: those users' earlier credentials come back.` };
}

/** How many writes are listed by name and time; the rest are counted. */
export const LISTED_CHANGES_MAX = 50;

/** User events that change stored data (a login only writes a session, counted with the sessions). */
export const writingEventTypes = ['REGISTER', 'UPDATE_PASSWORD', 'UPDATE_CREDENTIAL', 'REMOVE_CREDENTIAL', 'UPDATE_PROFILE', 'UPDATE_EMAIL', 'VERIFY_EMAIL', 'UPDATE_TOTP', 'REMOVE_TOTP', 'DELETE_ACCOUNT', 'RESET_PASSWORD', 'GRANT_CONSENT', 'UPDATE_CONSENT', 'REVOKE_GRANT'] as const;

const clock = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)} UTC`;
const sqlList = (values: readonly string[]) => values.map((v) => `'${v.replace(/[^A-Z_]/g, '')}'`).join(', ');

/**
 * The writes since the point, by name and time: users created, admin events
 * (operation, resource type, path with user ids shown as user names, who)
 * and users' own changes. Reads only names, types, paths and times: never
 * REPRESENTATION or DETAILS, which may carry secret values.
 */
async function listedChanges(x: Ctx): Promise<{ changes: LostWriteChange[]; more: number }> {
  const found: (LostWriteChange & { ms: number })[] = [];
  let total = 0;
  const users = await tableWith(x, 'user_entity', ['id', 'created_timestamp', 'username', 'realm_id']);
  const realm = await tableWith(x, 'realm', ['id', 'name']);
  const rv = { rnsp: realm?.schema ?? '', rrel: realm?.name ?? '' };
  const realmJoin = (alias: string) => (realm ? `LEFT JOIN :"rnsp".:"rrel" r ON r.id = ${alias}.realm_id` : '');
  const realmName = (alias: string) => (realm ? `coalesce(r.name, ${alias}.realm_id)` : `${alias}.realm_id`);
  const since = String(x.sinceMs);
  if (users) {
    const rows = await psqlQuery(x.c, `SELECT u.created_timestamp, u.username, ${realmName('u')}, count(*) OVER () FROM :"nsp".:"rel" u ${realmJoin('u')}
WHERE u.created_timestamp > :'since'::bigint ORDER BY u.created_timestamp LIMIT ${LISTED_CHANGES_MAX};
`, { ...x.opts, vars: vars(users, { since, ...rv }) });
    total += Number(rows[0]?.[3] ?? 0);
    for (const r of rows) found.push({ ms: Number(r[0]), at: '', kind: 'user-created', text: `user ${r[1]} created (realm ${r[2]})` });
  }
  const admin = await tableWith(x, 'admin_event_entity', ['admin_event_time', 'operation_type', 'resource_type', 'resource_path', 'realm_id', 'auth_user_id']);
  if (admin) {
    const u = users ? { unsp: users.schema, urel: users.name } : { unsp: '', urel: '' };
    const who = users ? 'coalesce(au.username, a.auth_user_id)' : 'a.auth_user_id';
    const path = users ? "CASE WHEN tu.username IS NOT NULL THEN regexp_replace(a.resource_path, '^users/[^/]+', 'users/' || tu.username) ELSE a.resource_path END" : 'a.resource_path';
    const joins = users ? `LEFT JOIN :"unsp".:"urel" au ON au.id = a.auth_user_id
LEFT JOIN :"unsp".:"urel" tu ON a.resource_path LIKE 'users/%' AND tu.id = split_part(a.resource_path, '/', 2)` : '';
    const rows = await psqlQuery(x.c, `SELECT a.admin_event_time, a.operation_type, a.resource_type, ${path}, ${realmName('a')}, ${who}, count(*) OVER () FROM :"nsp".:"rel" a ${realmJoin('a')} ${joins}
WHERE a.admin_event_time > :'since'::bigint ORDER BY a.admin_event_time LIMIT ${LISTED_CHANGES_MAX};
`, { ...x.opts, vars: vars(admin, { since, ...rv, ...u }) });
    total += Number(rows[0]?.[6] ?? 0);
    for (const r of rows) found.push({ ms: Number(r[0]), at: '', kind: 'admin', text: `${['admin', (r[1] ?? '').toLowerCase(), (r[2] ?? '').toLowerCase().replace(/_/g, ' '), r[3] ?? ''].filter(Boolean).join(' ')} by ${r[5] || 'unknown'} (realm ${r[4]})` });
  }
  const events = await tableWith(x, 'event_entity', ['event_time', 'type', 'user_id', 'realm_id', 'error']);
  if (events) {
    const u = users ? { unsp: users.schema, urel: users.name } : { unsp: '', urel: '' };
    const rows = await psqlQuery(x.c, `SELECT e.event_time, e.type, ${users ? 'coalesce(eu.username, e.user_id)' : 'e.user_id'}, ${realmName('e')}, count(*) OVER () FROM :"nsp".:"rel" e ${realmJoin('e')} ${users ? 'LEFT JOIN :"unsp".:"urel" eu ON eu.id = e.user_id' : ''}
WHERE e.event_time > :'since'::bigint AND e.error IS NULL AND e.type IN (${sqlList(writingEventTypes)}) ORDER BY e.event_time LIMIT ${LISTED_CHANGES_MAX};
`, { ...x.opts, vars: vars(events, { since, ...rv, ...u }) });
    total += Number(rows[0]?.[4] ?? 0);
    for (const r of rows) found.push({ ms: Number(r[0]), at: '', kind: 'user-event', text: `${(r[1] ?? '').toLowerCase().replace(/_/g, ' ')} by ${r[2] || 'unknown user'} (realm ${r[3]})` });
  }
  const credential = await tableWith(x, 'credential', ['created_date', 'type', 'user_id']);
  const eventsFlag = await tableWith(x, 'realm', ['id', 'events_enabled']);
  if (credential && users) {
    // named only where the realm stores no user events: elsewhere its UPDATE_PASSWORD/UPDATE_TOTP event above names it
    const quiet = eventsFlag ? 'AND NOT coalesce(r.events_enabled, false)' : '';
    const rows = await psqlQuery(x.c, `SELECT c.created_date, c.type, u.username, ${realmName('u')}, count(*) OVER () FROM :"cnsp".:"crel" c JOIN :"nsp".:"rel" u ON u.id = c.user_id ${realmJoin('u')}
WHERE c.created_date > :'since'::bigint ${realm ? quiet : ''} ORDER BY c.created_date LIMIT ${LISTED_CHANGES_MAX};
`, { ...x.opts, vars: vars(users, { since, ...rv, cnsp: credential.schema, crel: credential.name }) });
    total += Number(rows[0]?.[4] ?? 0);
    for (const r of rows) found.push({ ms: Number(r[0]), at: '', kind: 'credential', text: `${(r[1] ?? 'credential').toLowerCase()} set for ${r[2]} (realm ${r[3]}, which stores no user events)` });
  }
  const changes = found.sort((a, b) => a.ms - b.ms).slice(0, LISTED_CHANGES_MAX).map(({ ms, kind, text }) => ({ at: new Date(ms).toISOString(), kind, text: `${clock(ms)} ${text}` }));
  return { changes, more: Math.max(0, total - changes.length) };
}

/**
 * Counts, in the live database `c`, the writes a restore of backup `b` would
 * lose. With `b.tables` (the backup's key-table row counts, from its
 * verification; null when it recorded none) the live counts are compared
 * with them too; without the key (a switch, not a backup) they are not.
 */
export async function lostWritesSince(c: PgConnection, schema: string | undefined, b: Pick<Backup, 'id' | 'createdAt'> & { tables?: KeyTableCounts | null }, opts: PgCallOptions = {}): Promise<LostWrites> {
  const x: Ctx = { c, schema, opts, sinceMs: Date.parse(b.createdAt) };
  const uncounted: string[] = [];
  const users = await lostUsers(x);
  const events = await lostEvents(x, uncounted);
  const admin = await lostAdminEvents(x, uncounted);
  const sessions = await lostSessions(x);
  const credentials = await lostCredentials(x);
  // compared only for a backup (a point with no recorded counts, such as a switch, has nothing to compare with)
  const tables = b.tables === undefined ? null : compareKeyTables(b.tables, await keyTableCounts(c, schema, opts));
  const listed = await listedChanges(x);
  return {
    backupId: b.id,
    since: b.createdAt,
    users: { count: users.count, named: users.named },
    events: events.count,
    adminEvents: admin.count,
    sessions: sessions.sessions,
    items: [users.item, credentials, events.item, admin.item, sessions.item, ...(tables ? [tables] : [])],
    changes: listed.changes,
    changesNotListed: listed.more,
    uncounted,
  };
}
