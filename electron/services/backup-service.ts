/**
 * Backups of a cluster's database: the first step of every upgrade and the
 * way back from one.
 *
 * `create` either returns a complete, recorded backup or throws having left
 * nothing behind (no file, no row): the engine starts changing a cluster only
 * after it returns. The dump's changelog state is recorded with it so a
 * rollback can tell whether the schema moved on since (`compareWithLive`).
 * `verify` proves a dump restores, on a scratch database of the same server,
 * and that it is still the file that was recorded.
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backup, BackupVerification, ChangelogState, ClusterSpec, LostWrites, RestoreBesideResult, RetainedDatabase } from '../../shared/contract/index.ts';
import { KeyturnError, toErrorShape } from '../../shared/errors.ts';
import { getBackup, insertBackup, listBackups, recordVerification } from '../ledger/backups-repo.ts';
import { listRetainedDatabases } from '../ledger/retained-databases-repo.ts';
import { nowIso } from '../ledger/clock.ts';
import { clusterIdByName, getCluster } from '../ledger/clusters-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { sha256File } from '../tools/keycloak-dist.ts';
import { changelogState, compareChangelog, type ChangelogReading, type ChangelogRelation } from '../tools/postgres-changelog.ts';
import { describeTarget, pgDump, pgRestore, pgServerVersion, pgWalLsn, psqlQuery, tableRowCount, withScratchDatabase, type PgCallOptions, type PgConnection } from '../tools/postgres.ts';
import { restoreClone, type CloneRestoreOptions, type CloneRestoreResult } from './clone-restore.ts';
import { pruneRetained, restoreBeside, type RestoreBesideOptions, type RestoreTarget } from './database-restore.ts';
import { lostWritesSince } from './lost-writes.ts';
import { keyTableCounts } from './key-tables.ts';
import { clusterConnection, clusterSchema } from './database-connection.ts';

export const BACKUP_FORMAT = 'pg_dump-custom';

export interface BackupServiceDeps {
  db: Ledger;
  home: string;
  /** Where `{env}` secret references are read (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

export interface CreateBackupOptions extends PgCallOptions {
  /** The run taking the backup (an upgrade's first step). */
  runId?: string;
}

/** `2026-11-21T09-18-00.123Z`: sortable, and safe in file names on every OS. */
const fileStamp = (iso: string) => iso.replace(/:/g, '-');

/**
 * Removes `*.partial-<pid>-*` files whose Keyturn process is gone: what a
 * dump interrupted by a crash (kill -9, power loss) leaves behind.
 */
async function removeStalePartials(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = /\.partial-(\d+)-[0-9a-f]{8}$/.exec(name)?.[1];
    if (pid && !pidAlive(Number(pid))) await unlink(join(dir, name)).catch(() => undefined);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The scratch database a verification restores into: `keyturn_verify_<first 8 hex of the id>`. */
export const verifyDatabaseName = (backupId: string): string => `keyturn_verify_${backupId.replace(/-/g, '').slice(0, 8).toLowerCase()}`;

export function createBackupService(deps: BackupServiceDeps) {
  const { db, home } = deps;

  /** The database of a cluster, with its password read from its reference now (one definition for backups, restores and the schema guard). */
  const connectionFor = (spec: ClusterSpec): Promise<PgConnection> => clusterConnection(spec, deps.env);
  const schemaOf = clusterSchema;

  async function recordFailure(b: Backup, started: number, err: unknown): Promise<never> {
    const v: BackupVerification = { ok: false, at: nowIso(), realms: null, changelogRows: null, changelogMatches: null, durationMs: Math.round(performance.now() - started), error: toErrorShape(err).message };
    recordVerification(db, b.id, v);
    throw err;
  }

  /** Throws `artifact-failed` unless the dump is still the file that was recorded. */
  async function checkFile(b: Backup): Promise<void> {
    const info = await stat(b.path).catch(() => null);
    if (!info?.isFile()) {
      throw new KeyturnError('artifact-failed', `The dump of backup ${b.id} is missing: ${b.path} does not exist.`, `Restore the file from wherever it was copied to, or take a new backup: keyturn backup create --cluster ${b.clusterName}`);
    }
    const actual = await sha256File(b.path);
    if (actual !== b.sha256 || info.size !== b.size) {
      throw new KeyturnError('artifact-failed', `The dump of backup ${b.id} (${b.path}) is not the file that was recorded: its sha256 is ${actual} (${info.size} bytes), recorded ${b.sha256} (${b.size} bytes).`,
        `The file changed after it was taken: do not restore it. Take a new backup (keyturn backup create --cluster ${b.clusterName}) and find out what changed the file.`, { actual, expected: b.sha256 });
    }
  }

  /** The cluster's live database, where a restore happens. */
  async function restoreTarget(clusterName: string): Promise<RestoreTarget> {
    const detail = getCluster(db, clusterName);
    return { db, clusterId: detail.id, conn: await connectionFor(detail.spec), schema: schemaOf(detail.spec) };
  }

  return {
    /** A cluster's backups, newest first. */
    list(clusterName: string): Backup[] {
      return listBackups(db, clusterIdByName(db, clusterName));
    },

    get: (id: string): Backup => getBackup(db, id),

    /**
     * Dumps the cluster's database to `<home>/backups/<cluster>/<timestamp>.dump`
     * (0600) and records it with its sha256, size and changelog state. The
     * changelog is read before and after the dump; if it moved (a node was
     * migrating), the dump is discarded and this throws `conflict`.
     */
    async create(clusterName: string, opts: CreateBackupOptions = {}): Promise<Backup> {
      const detail = getCluster(db, clusterName);
      const spec = detail.spec;
      const conn = await connectionFor(spec);
      const schema = schemaOf(spec);
      const before = await changelogState(conn, { ...opts, ...(schema ? { schema } : {}) });
      const serverVersion = await pgServerVersion(conn, opts);
      const createdAt = nowIso();
      const dir = join(home, 'backups', detail.name);
      await removeStalePartials(dir);
      const dest = join(dir, `${fileStamp(createdAt)}.dump`);
      const walLsn = await pgWalLsn(conn, opts);
      const dump = await pgDump(conn, dest, opts);
      try {
        const after = await changelogState(conn, { ...opts, ...(schema ? { schema } : {}) });
        if (after.digest !== before.digest) {
          throw new KeyturnError('conflict', `The schema of ${describeTarget(conn)} changed while it was being dumped (changelog ${before.count} -> ${after.count} change sets); the dump was discarded.`,
            'A Keycloak node is migrating the database. Wait until every node is ready, then back up again.');
        }
        return insertBackup(db, {
          clusterId: detail.id,
          runId: opts.runId ?? null,
          path: dump.path,
          format: BACKUP_FORMAT,
          sha256: dump.sha256,
          size: dump.size,
          keycloakVersion: spec.keycloak.version,
          database: { host: conn.host, port: conn.port, name: conn.database, user: conn.user, serverVersion, walLsn },
          changelog: stripPrefix(before),
          createdAt,
        });
      } catch (err) {
        await unlink(dump.path).catch(() => undefined);
        throw err;
      }
    },

    /**
     * Checks the dump's sha256, restores it into `keyturn_verify_<id>` on the
     * cluster's database server, counts realms and change sets, compares the
     * changelog with the recorded one, and drops the scratch database. The
     * outcome is recorded either way; a failure also throws.
     */
    async verify(id: string, opts: PgCallOptions = {}): Promise<Backup> {
      const b = getBackup(db, id);
      const started = performance.now();
      try {
        await checkFile(b);
        const spec = getCluster(db, b.clusterName).spec;
        const conn = await connectionFor(spec);
        const schema = schemaOf(spec);
        const so = { ...opts, ...(schema ? { schema } : {}) };
        const found = await withScratchDatabase(conn, verifyDatabaseName(b.id), async (scratch) => {
          await pgRestore(scratch, b.path, opts);
          return { realms: await tableRowCount(scratch, 'realm', so), changelog: await changelogState(scratch, so), tables: await keyTableCounts(scratch, schema, opts) };
        }, opts);
        const changelogMatches = b.changelog ? b.changelog.digest === found.changelog.digest : null;
        if (changelogMatches === false) {
          throw new KeyturnError('artifact-failed', `Backup ${b.id} restores, but its changelog (${found.changelog.count} change sets) is not the one recorded when it was taken (${b.changelog?.count ?? 0}).`,
            'The dump does not hold the database state it claims. Take a new backup before any upgrade or rollback relies on it.');
        }
        if (found.changelog.present && !found.realms) {
          throw new KeyturnError('artifact-failed', `Backup ${b.id} restores, but its Keycloak database has no realms (REALM table ${found.realms === null ? 'missing' : 'empty'}).`,
            'A Keycloak database always has the master realm: this dump is not a usable Keycloak backup. Check spec.database and take a new backup.');
        }
        const v: BackupVerification = { ok: true, at: nowIso(), realms: found.realms, changelogRows: found.changelog.count, changelogMatches, tables: found.tables, durationMs: Math.round(performance.now() - started), error: null };
        return recordVerification(db, b.id, v);
      } catch (err) {
        return recordFailure(b, started, err);
      }
    },

    /**
     * Puts the cluster's database back to this backup: verifies the file's
     * digest, empties the schema and restores the dump in one transaction.
     * Destroys the migrated schema: kept only until the engine calls
     * `restoreBeside` instead.
     * Only for a rollback with every Keycloak node stopped: the caller makes
     * sure of that first.
     */
    async restoreOver(id: string, opts: PgCallOptions = {}): Promise<void> {
      const b = getBackup(db, id);
      await checkFile(b);
      const spec = getCluster(db, b.clusterName).spec;
      const conn = await connectionFor(spec);
      const schema = schemaOf(spec) ?? 'public';
      await psqlQuery(conn, `DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE; CREATE SCHEMA "${schema.replace(/"/g, '""')}";`, opts);
      await pgRestore(conn, b.path, opts);
    },

    /**
     * Blue/green's clone: restores this backup into the new colour's own,
     * empty database (`target`, with its password), checks its changelog and
     * empties JGROUPS_PING. Refuses a database holding anything else.
     */
    async cloneInto(id: string, target: PgConnection, opts: CloneRestoreOptions = {}): Promise<CloneRestoreResult> {
      const b = getBackup(db, id);
      return restoreClone(target, b, () => checkFile(b), opts);
    },

    /**
     * The non-destructive restore of a restore-mode rollback: restores the
     * backup into a new database on the same server, checks its changelog
     * against the recorded one, clears JGROUPS_PING, applies the session
     * policy (default `drop-online`), then swaps names so the migrated
     * database is kept as `<live>_migrated_<stamp>` (recorded, until pruned).
     * Refuses while any client is connected to the live database; any failure
     * leaves the live database as it was. Every Keycloak node must be stopped.
     */
    async restoreBeside(id: string, opts: RestoreBesideOptions = {}): Promise<RestoreBesideResult> {
      const b = getBackup(db, id);
      return restoreBeside(await restoreTarget(b.clusterName), b, () => checkFile(b), opts);
    },

    /**
     * What restoring this backup would lose, counted in the live database:
     * users created since (named, up to 20), credentials set, user and admin
     * events, sessions, key-table row counts against the backup's verified
     * ones; and, in words, what cannot be counted.
     */
    async lostWritesSince(id: string, opts: PgCallOptions = {}): Promise<LostWrites> {
      const b = getBackup(db, id);
      const t = await restoreTarget(b.clusterName);
      const tables = b.lastVerification?.ok ? (b.lastVerification.tables ?? null) : null;
      return lostWritesSince(t.conn, t.schema, { id: b.id, createdAt: b.createdAt, tables }, opts);
    },

    /** Databases restores replaced and kept for forensics (not yet pruned), newest first. */
    retained(clusterName: string): RetainedDatabase[] {
      return listRetainedDatabases(db, clusterIdByName(db, clusterName));
    },

    /**
     * Drops kept databases of a cluster (`names`, or all when empty) and
     * records the drop. Only databases the ledger holds as kept, never the live one.
     */
    async pruneRetained(clusterName: string, names: readonly string[] = [], opts: PgCallOptions = {}): Promise<RetainedDatabase[]> {
      return pruneRetained(await restoreTarget(clusterName), clusterName, names, opts);
    },

    /**
     * How the live database's schema history relates to a backup's: `same`
     * (restarting the old version is enough), `ahead` (a newer version
     * migrated it: rollback means restoring this dump), or worse.
     */
    async compareWithLive(id: string, opts: PgCallOptions = {}): Promise<{ relation: ChangelogRelation; newChangeSets: number; backup: ChangelogState; live: ChangelogState }> {
      const b = getBackup(db, id);
      if (!b.changelog) throw new KeyturnError('not-found', `Backup ${b.id} has no recorded changelog state.`, 'Verify it (keyturn backup verify) or take a new backup.');
      const spec = getCluster(db, b.clusterName).spec;
      const schema = schemaOf(spec);
      const live = await changelogState(await connectionFor(spec), { ...opts, ...(schema ? { schema } : {}), prefixCount: b.changelog.count });
      return { ...compareChangelog(b.changelog, live), backup: b.changelog, live: stripPrefix(live) };
    },
  };
}

function stripPrefix(r: ChangelogReading): ChangelogState {
  return { present: r.present, count: r.count, last: r.last, digest: r.digest };
}

export type BackupService = ReturnType<typeof createBackupService>;
