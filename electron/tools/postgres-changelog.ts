/**
 * Liquibase's `DATABASECHANGELOG`, read as the schema history of a Keycloak
 * database.
 *
 * Keycloak's migrations are forward-only: once a newer version has migrated
 * the database, the older one may refuse it. So a rollback must know whether
 * the schema changed since the pre-upgrade backup; it compares the live
 * database's changelog with the one recorded in (or read from) the backup.
 * The comparison needs only a count and digests, never the whole list, so a
 * backup record stays small.
 */
import { createHash } from 'node:crypto';
import type { ChangelogState } from '../../shared/contract/backups.ts';
import { pgRestore, psqlQuery, withScratchDatabase, type PgCallOptions, type PgConnection } from './postgres.ts';

export interface ChangelogOptions extends PgCallOptions {
  /** Schema Keycloak uses (its `db-schema` option); default: the connection's current schema. */
  schema?: string;
  /** Also digest the first `prefixCount` entries, to tell "backup + newer change sets" from a diverged history. */
  prefixCount?: number;
}

export interface ChangelogReading extends ChangelogState {
  /** Digest of the first `prefixCount` entries, when asked for and available. */
  prefix: { count: number; digest: string } | null;
}

type Entry = [id: string, author: string, filename: string];

/** sha256 of an ordered (id, author, filename) list; JSON keeps the fields unambiguous. */
export function changelogDigest(entries: readonly Entry[]): string {
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

/** Finds the changelog table case-insensitively (Liquibase on PostgreSQL creates it lower-case; other tools quote it). */
const findTable = `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE lower(c.relname) = 'databasechangelog' AND c.relkind IN ('r', 'p')
  AND n.nspname = coalesce(nullif(:'schema', ''), current_schema())
ORDER BY c.relname = 'databasechangelog' DESC LIMIT 1;
`;

const readEntries = `SELECT id, author, filename, orderexecuted, to_char(dateexecuted, 'YYYY-MM-DD"T"HH24:MI:SS.MS')
FROM :"nsp".:"rel" ORDER BY orderexecuted, dateexecuted, id;
`;

/** Reads the changelog state of the database `c` points at. */
export async function changelogState(c: PgConnection, opts: ChangelogOptions = {}): Promise<ChangelogReading> {
  const table = await psqlQuery(c, findTable, { ...opts, vars: { schema: opts.schema ?? '' } });
  const found = table[0];
  if (!found) {
    return { present: false, count: 0, last: null, digest: changelogDigest([]), prefix: opts.prefixCount === 0 ? { count: 0, digest: changelogDigest([]) } : null };
  }
  const rows = await psqlQuery(c, readEntries, { ...opts, vars: { nsp: found[0] ?? '', rel: found[1] ?? '' } });
  const entries: Entry[] = rows.map((r) => [r[0] ?? '', r[1] ?? '', r[2] ?? '']);
  const lastRow = rows[rows.length - 1];
  const p = opts.prefixCount;
  return {
    present: true,
    count: entries.length,
    last: lastRow
      ? { id: lastRow[0] ?? '', author: lastRow[1] ?? '', filename: lastRow[2] ?? '', orderExecuted: Number(lastRow[3]), dateExecuted: lastRow[4] ?? '' }
      : null,
    digest: changelogDigest(entries),
    prefix: p !== undefined && p <= entries.length ? { count: p, digest: changelogDigest(entries.slice(0, p)) } : null,
  };
}

/**
 * The changelog state inside a dump: restored into scratch database
 * `scratchName` on the server `c` points at, read, and dropped again.
 */
export async function changelogStateOfDump(c: PgConnection, dumpPath: string, scratchName: string, opts: ChangelogOptions = {}): Promise<ChangelogReading> {
  return withScratchDatabase(c, scratchName, async (scratch) => {
    await pgRestore(scratch, dumpPath, opts);
    return changelogState(scratch, opts);
  }, opts);
}

/** How a live database's schema history relates to a backup's. */
export type ChangelogRelation =
  /** Same history: the backup's schema is the live schema. */
  | 'same'
  /** The live history is the backup's plus newer change sets: a newer version migrated it. */
  | 'ahead'
  /** The live history has fewer change sets than the backup's (an older database; not checked to be a prefix). */
  | 'behind'
  /** Neither contains the other: the histories forked. */
  | 'diverged';

/**
 * Compares a backup's changelog with a live reading. For `ahead` the live
 * reading must carry `prefix` for `backup.count` (read it with
 * `prefixCount: backup.count`); without it a longer history is `diverged`,
 * the cautious answer.
 */
export function compareChangelog(backup: ChangelogState, live: ChangelogReading): { relation: ChangelogRelation; newChangeSets: number } {
  if (backup.digest === live.digest && backup.count === live.count) return { relation: 'same', newChangeSets: 0 };
  if (live.count > backup.count && live.prefix?.count === backup.count && live.prefix.digest === backup.digest) {
    return { relation: 'ahead', newChangeSets: live.count - backup.count };
  }
  if (live.count < backup.count) return { relation: 'behind', newChangeSets: 0 };
  return { relation: 'diverged', newChangeSets: 0 };
}

/** Every (filename, id, author) row of the changelog of the database `c` points at. */
export async function changelogEntries(c: PgConnection, opts: ChangelogOptions = {}): Promise<{ filename: string; id: string; author: string }[]> {
  const table = await psqlQuery(c, findTable, { ...opts, vars: { schema: opts.schema ?? '' } });
  const found = table[0];
  if (!found) return [];
  const rows = await psqlQuery(c, readEntries, { ...opts, vars: { nsp: found[0] ?? '', rel: found[1] ?? '' } });
  return rows.map((r) => ({ id: r[0] ?? '', author: r[1] ?? '', filename: r[2] ?? '' }));
}
