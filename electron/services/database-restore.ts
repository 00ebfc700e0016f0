/**
 * The restore a restore-mode rollback makes, without ever destroying the
 * migrated database: the backup is restored into a new database on the same
 * server, checked and cleaned there, and only then swapped in by renaming
 * (live -> `<live>_migrated_<stamp>`, restored -> live) in one transaction.
 *
 * Until the swap the live database is untouched, and any failure drops the
 * half-made copy: a restore either completes or leaves the server as it was.
 * The replaced database is recorded in the ledger and kept until
 * `pruneRetained` drops it on an operator's explicit request.
 */
import type { Backup, RestoreBesideResult, RetainedDatabase, SessionPolicy, SessionsDropped } from '../../shared/contract/backups.ts';
import { KeyturnError } from '../../shared/errors.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { insertRetainedDatabase, listRetainedDatabases, markRetainedDatabaseDropped } from '../ledger/retained-databases-repo.ts';
import { changelogState } from '../tools/postgres-changelog.ts';
import {
  createDatabaseLike, databaseSettings, databaseStamp, datedDatabaseName, dropKeyturnDatabase, isKeyturnDatabaseName, maintenanceConnection,
  requireNoSessions, requireSwapPrivileges, swapDatabaseNames,
} from '../tools/postgres-databases.ts';
import { databaseExists, findTable, pgRestore, psqlQuery, type PgCallOptions, type PgConnection } from '../tools/postgres.ts';
import { clearJgroupsPing } from '../tools/jgroups-ping.ts';

/** The steps of a restore, in order, for progress events. */
export type RestoreStage = 'checking' | 'restoring' | 'verifying' | 'cleaning' | 'swapping';

export interface RestoreBesideOptions extends PgCallOptions {
  /** Default `drop-online`. */
  sessionPolicy?: SessionPolicy;
  /** The rollback run doing it, recorded with the kept database. */
  runId?: string;
  /** Awaited before each stage: the engine records progress (and tests act at a stage). */
  onStage?: (stage: RestoreStage, detail: string) => void | Promise<void>;
  /** The clock of the dated names (tests pin it). */
  now?: () => Date;
}

/** Where a restore happens: the ledger, the cluster and its live database. */
export interface RestoreTarget {
  db: Ledger;
  clusterId: string;
  /** The live database (with its password). */
  conn: PgConnection;
  /** Keycloak's `db-schema`, when it sets one. */
  schema: string | undefined;
}

/** Which rows each policy deletes from the session tables (fixed SQL, chosen here, never from input). */
const policyFilter: Record<SessionPolicy, string | null> = {
  'drop-online': "offline_flag = '0'",
  'drop-all': 'true',
  'keep-all': null,
};

/** Applies the session policy to a restored copy (a restore's, or blue/green's clone) and counts what each table lost, by online/offline flag. */
export async function applySessionPolicy(c: PgConnection, schema: string | undefined, policy: SessionPolicy, opts: PgCallOptions): Promise<SessionsDropped> {
  const dropped: SessionsDropped = { policy, onlineUserSessions: 0, onlineClientSessions: 0, offlineUserSessions: 0, offlineClientSessions: 0 };
  const filter = policyFilter[policy];
  if (!filter) return dropped;
  // Client sessions first: they belong to user sessions.
  for (const [table, online, offline] of [['offline_client_session', 'onlineClientSessions', 'offlineClientSessions'], ['offline_user_session', 'onlineUserSessions', 'offlineUserSessions']] as const) {
    const t = await findTable(c, table, { ...opts, schema });
    if (!t) continue;
    const rows = await psqlQuery(c, `WITH d AS (DELETE FROM :"nsp".:"rel" WHERE ${filter} RETURNING offline_flag)
SELECT count(*) FILTER (WHERE offline_flag = '0'), count(*) FILTER (WHERE offline_flag <> '0') FROM d;
`, { ...opts, vars: { nsp: t.schema, rel: t.name } });
    dropped[online] = Number(rows[0]?.[0] ?? 0);
    dropped[offline] = Number(rows[0]?.[1] ?? 0);
  }
  return dropped;
}

/** The first `<live>_migrated_<stamp>[_n]` not taken on the server. */
async function freeKeptName(maint: PgConnection, live: string, stamp: string, opts: PgCallOptions): Promise<string> {
  for (let n = 1; n < 100; n++) {
    const name = datedDatabaseName(live, 'migrated', stamp, n);
    if (!(await databaseExists(maint, name, opts))) return name;
  }
  throw new KeyturnError('conflict', `Every name ${datedDatabaseName(live, 'migrated', stamp)}[_2.._99] is taken on ${maint.host}:${maint.port}.`, 'Prune kept databases (keyturn backup prune) and restore again.');
}

/**
 * Restores backup `b` beside the live database and swaps it in. `checkFile`
 * proves the dump is the recorded file. Refuses (`conflict`, naming the
 * client addresses) while anyone is connected to the live database.
 */
export async function restoreBeside(target: RestoreTarget, b: Backup, checkFile: () => Promise<void>, opts: RestoreBesideOptions = {}): Promise<RestoreBesideResult> {
  const started = performance.now();
  const { conn, schema } = target;
  const policy = opts.sessionPolicy ?? 'drop-online';
  const call: PgCallOptions = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.onLine ? { onLine: opts.onLine } : {}) };
  const stage = async (s: RestoreStage, detail: string) => opts.onStage?.(s, detail);
  const recorded = b.changelog;
  if (!recorded) {
    throw new KeyturnError('not-found', `Backup ${b.id} has no recorded changelog state, so a restore of it could not be checked.`, `Take a new backup (keyturn backup create --cluster ${b.clusterName}); rollbacks use backups that record their changelog.`);
  }
  const live = conn.database;
  const maint = maintenanceConnection(conn);

  await stage('checking', `sha256 of ${b.path}, privileges and sessions on ${live}`);
  await checkFile();
  await requireSwapPrivileges(maint, live, call);
  await requireNoSessions(maint, live, call);
  const settings = await databaseSettings(maint, live, call);
  if (!settings) throw new KeyturnError('not-found', `Database "${live}" disappeared on ${conn.host}:${conn.port}.`, 'Check spec.database.name, then restore again.');
  const stamp = databaseStamp(opts.now?.() ?? new Date());
  const restoredName = datedDatabaseName(live, 'restore', stamp);
  const restored: PgConnection = { ...conn, database: restoredName };

  // A leftover of a crashed attempt in the same minute is Keyturn's own and never live: start clean.
  await dropKeyturnDatabase(maint, restoredName, call);
  await createDatabaseLike(maint, restoredName, settings, call);
  try {
    await stage('restoring', `${b.path} into ${restoredName}`);
    await pgRestore(restored, b.path, call);

    await stage('verifying', `DATABASECHANGELOG of ${restoredName} against backup ${b.id}`);
    const so = { ...call, ...(schema ? { schema } : {}) };
    const changelog = await changelogState(restored, so);
    if (changelog.digest !== recorded.digest) {
      throw new KeyturnError('artifact-failed', `Backup ${b.id} restored, but its changelog (${changelog.count} change sets) is not the one recorded when it was taken (${recorded.count}). The live database was not touched.`,
        'The dump does not hold the database state it claims: do not restore it. Pick another backup (keyturn backup list) or take a new one.');
    }

    await stage('cleaning', `JGROUPS_PING and sessions (${policy}) in ${restoredName}`);
    const jgroupsRowsCleared = (await clearJgroupsPing(restored, { ...call, schema })).deleted;
    const sessions = await applySessionPolicy(restored, schema, policy, call);

    await stage('swapping', `${live} -> kept, ${restoredName} -> ${live}`);
    await requireNoSessions(maint, live, call);
    const keptAs = await freeKeptName(maint, live, stamp, call);
    await swapDatabaseNames(maint, { live, restored: restoredName, keptAs }, call);
    insertRetainedDatabase(target.db, {
      clusterId: target.clusterId, name: keptAs, host: conn.host, port: conn.port, runId: opts.runId ?? null, backupId: b.id,
      reason: `replaced by the restore of backup ${b.id} (taken ${b.createdAt}, Keycloak ${b.keycloakVersion})`,
    });
    const { prefix: _prefix, ...state } = changelog;
    return { keptAs, restoredFrom: b.id, database: live, changelog: state, jgroupsRowsCleared, sessions, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    // By name: after a committed swap this name no longer exists, so the live database is never the one dropped.
    await dropKeyturnDatabase(maint, restoredName, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Drops the named kept databases of a cluster (all of them when `names` is
 * empty) and stamps them dropped in the ledger. Refuses a name the ledger
 * does not hold as kept, and the live database, before dropping anything.
 */
export async function pruneRetained(target: RestoreTarget, clusterName: string, names: readonly string[], opts: PgCallOptions = {}): Promise<RetainedDatabase[]> {
  const kept = listRetainedDatabases(target.db, target.clusterId);
  const unknown = names.filter((n) => !kept.some((k) => k.name === n));
  if (unknown.length) {
    throw new KeyturnError('not-found', `Cluster '${clusterName}' has no kept database named ${unknown.map((n) => `"${n}"`).join(', ')}; nothing was dropped.`,
      `List them with: keyturn backup retained --cluster ${clusterName}`);
  }
  const chosen = names.length ? kept.filter((k) => names.includes(k.name)) : kept;
  for (const k of chosen) {
    if (k.name === target.conn.database || !isKeyturnDatabaseName(k.name)) {
      throw new KeyturnError('conflict', `"${k.name}" is the live database of '${clusterName}' or not a name Keyturn made; it is never pruned. Nothing was dropped.`, 'Drop it by hand if it really must go.');
    }
  }
  const maint = maintenanceConnection(target.conn);
  const done: RetainedDatabase[] = [];
  for (const k of chosen) {
    if (k.host !== target.conn.host || k.port !== target.conn.port) {
      throw new KeyturnError('conflict', `Kept database "${k.name}" is on ${k.host}:${k.port}, but cluster '${clusterName}' now uses ${target.conn.host}:${target.conn.port}. Dropped so far: ${done.map((d) => d.name).join(', ') || 'none'}.`,
        `Drop it on ${k.host}:${k.port} by hand, or point the cluster at that server for the prune.`);
    }
    await requireNoSessions(maint, k.name, opts);
    await dropKeyturnDatabase(maint, k.name, opts);
    done.push(markRetainedDatabaseDropped(target.db, k.id));
  }
  return done;
}
