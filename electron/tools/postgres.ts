/**
 * The PostgreSQL adapter: `pg_dump`, `pg_restore` and `psql`, for the backup
 * every upgrade starts with and the restore a rollback ends with.
 *
 * Why the client programs and not a driver: they are what a DBA trusts for
 * dumps (custom format, consistent snapshot, restore-anywhere), and they keep
 * Keyturn free of a native database dependency. Rules kept here:
 * - the password never appears in argv, logs or events: it reaches the child
 *   only as `PGPASSWORD` in its environment, and output is redacted with it;
 * - SQL values and identifiers travel as psql variables (`:'v'`, `:"v"`) on
 *   stdin, never spliced into a string;
 * - a dump is written to a temp name and renamed only when complete, so a
 *   failed dump leaves no file that could be mistaken for a backup;
 * - scratch databases are named `keyturn_*` and nothing else is ever dropped.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KeyturnError } from '../../shared/errors.ts';
import { sha256File } from './keycloak-dist.ts';
import { runTool, tailLines, type OutputStream, type ToolResult } from './process.ts';
import { createRedactor } from './redact.ts';

/** Where a database is and who logs in. */
export interface PgConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  /** Never put on a command line: passed to the child as PGPASSWORD. */
  password?: string | undefined;
}

export interface PgCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onLine?: (stream: OutputStream, line: string) => void;
}

/** Why a PostgreSQL call failed, in `details.reason` of the thrown `tool-failed`. */
export type PgFailureReason = 'auth' | 'unreachable' | 'database-missing' | 'permission' | 'version-mismatch' | 'failed';

const identifier = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** Only databases Keyturn made itself may be created and dropped by it. */
const scratchName = /^keyturn_[a-z0-9_]{1,54}$/;

/** `user@host:port/db`, how a target is named in every message. */
export const describeTarget = (c: PgConnection): string => `${c.user}@${c.host}:${c.port}/${c.database}`;

function checkConnection(c: PgConnection): void {
  if (!identifier.test(c.database) || !identifier.test(c.user)) {
    throw new KeyturnError('invalid-input', `"${c.user}" / "${c.database}" is not a plain PostgreSQL user / database name.`, 'Use names of letters, digits and underscores, as the cluster form requires.');
  }
}

/**
 * The child's environment: the password, a connect timeout, and the libpq
 * variables of whoever started Keyturn cleared so they can't redirect a call.
 */
function pgEnv(c: PgConnection): Record<string, string | undefined> {
  return {
    PGPASSWORD: c.password,
    PGCONNECT_TIMEOUT: '10',
    PGAPPNAME: 'keyturn',
    PGHOST: undefined,
    PGHOSTADDR: undefined,
    PGPORT: undefined,
    PGDATABASE: undefined,
    PGUSER: undefined,
    PGSERVICE: undefined,
    PGOPTIONS: undefined,
  };
}

const connArgs = (c: PgConnection) => ['--host', c.host, '--port', String(c.port), '--username', c.user, '--no-password'];

async function pgTool(c: PgConnection, tool: string, command: string, args: string[], opts: PgCallOptions & { input?: string } = {}): Promise<ToolResult> {
  checkConnection(c);
  return runTool({
    tool,
    command,
    args,
    env: pgEnv(c),
    redact: createRedactor(c.password ? [c.password] : []),
    killGraceMs: 3000,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.onLine ? { onLine: opts.onLine } : {}),
  });
}

const reasons: [RegExp, PgFailureReason][] = [
  [/password authentication failed|no password supplied|role "[^"]*" does not exist|no pg_hba\.conf entry|SSL required|authentication method \d+ not supported/i, 'auth'],
  [/database "[^"]*" does not exist/i, 'database-missing'],
  [/Connection refused|could not connect|timeout expired|could not translate host name|Network is unreachable|No route to host|server closed the connection unexpectedly/i, 'unreachable'],
  [/permission denied to create database|must be owner of database|permission denied/i, 'permission'],
  [/server version mismatch|unsupported version .* in file header/i, 'version-mismatch'],
];

/** The reason a PostgreSQL client program failed, read from what it printed. */
export function classifyPgFailure(stderr: string): PgFailureReason {
  return reasons.find(([re]) => re.test(stderr))?.[1] ?? 'failed';
}

function hintFor(reason: PgFailureReason, c: PgConnection): string {
  switch (reason) {
    case 'auth':
      return `Check the password that spec.database.passwordRef points to, and that role "${c.user}" may log in from this machine (pg_hba.conf on ${c.host}).`;
    case 'unreachable':
      return `Check that PostgreSQL is running on ${c.host}:${c.port} and reachable from this machine (listen_addresses, firewall), then try again.`;
    case 'database-missing':
      return `Check spec.database.name, or create database "${c.database}" on ${c.host}:${c.port}.`;
    case 'permission':
      return `Grant role "${c.user}" what this needs: ALTER ROLE ${c.user} CREATEDB (scratch restores, and the restore beside the live database), and ownership of the live database (ALTER DATABASE ${c.database} OWNER TO ${c.user}) to rename it; or run it as a role that has both.`;
    case 'version-mismatch':
      return 'Install PostgreSQL client programs at least as new as the server (Debian: postgresql-client-<major>) and put them first on PATH.';
    case 'failed':
      return 'Read the output above for the cause, fix it, and try again.';
  }
}

/** Turns a non-zero exit into a `tool-failed` naming the target, the reason and the fix. */
function pgFailure(result: ToolResult, what: string, c: PgConnection): KeyturnError {
  const reason = classifyPgFailure(result.stderr);
  const lead: Record<PgFailureReason, string> = {
    auth: `PostgreSQL at ${c.host}:${c.port} refused user "${c.user}"`,
    unreachable: `PostgreSQL at ${c.host}:${c.port} is unreachable`,
    'database-missing': `database "${c.database}" does not exist on ${c.host}:${c.port}`,
    permission: `role "${c.user}" lacks a privilege on ${c.host}:${c.port}`,
    'version-mismatch': `the PostgreSQL client programs do not match the server at ${c.host}:${c.port}`,
    failed: `it exited with code ${result.exitCode}`,
  };
  const tail = tailLines(result.stderr.trim() ? result.stderr : result.stdout, 8);
  return new KeyturnError('tool-failed', `${what} (${describeTarget(c)}) failed: ${lead[reason]}.${tail ? `\n${tail}` : ''}`, hintFor(reason, c), { reason, target: describeTarget(c), exitCode: result.exitCode });
}

const FIELD = '\x1f';
const RECORD = '\x1e';

/**
 * Runs SQL through `psql -X -A -t -v ON_ERROR_STOP=1` and returns the rows of
 * the last statement as strings (NULL reads as ''). `vars` become psql
 * variables; refer to them as `:'name'` (a literal) or `:"name"` (an
 * identifier) so nothing is ever spliced into the SQL.
 */
export async function psqlQuery(c: PgConnection, sql: string, opts: PgCallOptions & { vars?: Record<string, string> } = {}): Promise<string[][]> {
  const vars = Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ['-v', `${k}=${v}`]);
  const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-F', FIELD, '-R', RECORD, ...vars, ...connArgs(c), '--dbname', c.database];
  const result = await pgTool(c, 'psql', 'psql', args, { ...opts, input: sql, timeoutMs: opts.timeoutMs ?? 60_000 });
  if (result.exitCode !== 0) throw pgFailure(result, 'psql', c);
  const out = result.stdout.replace(/\n$/, '');
  if (out === '') return [];
  return out.split(RECORD).map((r) => r.split(FIELD));
}

export interface DumpResult {
  path: string;
  size: number;
  sha256: string;
  durationMs: number;
}

/**
 * `pg_dump -Fc` of `c.database` to `dest` (0600, in a directory created
 * 0700). Written under a temp name and renamed when complete: when the dump
 * fails or is aborted, no file is left at `dest` or beside it.
 */
export async function pgDump(c: PgConnection, dest: string, opts: PgCallOptions = {}): Promise<DumpResult> {
  checkConnection(c);
  await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
  if (await stat(dest).catch(() => null)) {
    throw new KeyturnError('conflict', `A file already exists at ${dest}; a backup never overwrites another.`, 'Move that file aside or pick another destination.');
  }
  const tmp = `${dest}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  // Created 0600 before pg_dump opens it, so the dump is never readable by others, not even for a moment.
  await (await open(tmp, 'wx', 0o600)).close();
  try {
    const args = ['--format=custom', '--lock-wait-timeout=60000', '--file', tmp, ...connArgs(c), '--dbname', c.database];
    const result = await pgTool(c, 'pg_dump', 'pg_dump', args, { ...opts, timeoutMs: opts.timeoutMs ?? 3_600_000 });
    if (result.exitCode !== 0) throw pgFailure(result, 'pg_dump', c);
    const size = (await stat(tmp)).size;
    if (size === 0) throw new KeyturnError('tool-failed', `pg_dump (${describeTarget(c)}) exited 0 but wrote nothing.`, 'Check the disk (full? quota?) and the pg_dump installation, then try again.');
    const sha256 = await sha256File(tmp);
    await chmod(tmp, 0o600);
    await rename(tmp, dest);
    return { path: dest, size, sha256, durationMs: result.durationMs };
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Restores a custom-format dump into `c.database`, in one transaction (all or
 * nothing), without owners or grants: the restoring role owns what it
 * creates, which is what a scratch copy or a rollback target needs.
 */
export async function pgRestore(c: PgConnection, dumpPath: string, opts: PgCallOptions = {}): Promise<void> {
  const args = ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', ...connArgs(c), '--dbname', c.database, '--', dumpPath];
  const result = await pgTool(c, 'pg_restore', 'pg_restore', args, { ...opts, timeoutMs: opts.timeoutMs ?? 3_600_000 });
  if (result.exitCode !== 0) throw pgFailure(result, `pg_restore of ${dumpPath}`, c);
}

function checkScratch(name: string): void {
  if (!scratchName.test(name)) {
    throw new KeyturnError('invalid-input', `"${name}" is not a Keyturn scratch database name; Keyturn creates and drops only keyturn_* databases.`, 'Use a name such as keyturn_verify_1a2b3c4d.');
  }
}

/** Creates scratch database `name` (from template0), connected through `c`'s database. */
export async function createScratchDatabase(c: PgConnection, name: string, opts: PgCallOptions = {}): Promise<void> {
  checkScratch(name);
  await psqlQuery(c, `CREATE DATABASE :"db" TEMPLATE template0 ENCODING 'UTF8';\n`, { ...opts, vars: { db: name } });
}

/** Drops scratch database `name` if it exists; never anything not named keyturn_*. */
export async function dropScratchDatabase(c: PgConnection, name: string, opts: PgCallOptions = {}): Promise<void> {
  checkScratch(name);
  await psqlQuery(c, `DROP DATABASE IF EXISTS :"db";\n`, { ...opts, vars: { db: name } });
}

/**
 * Runs `fn` against a fresh scratch database on the same server as `c` and
 * drops it afterwards, also when `fn` fails. A leftover from a crashed
 * earlier attempt is dropped first.
 */
export async function withScratchDatabase<T>(c: PgConnection, name: string, fn: (scratch: PgConnection) => Promise<T>, opts: PgCallOptions = {}): Promise<T> {
  await dropScratchDatabase(c, name, opts);
  await createScratchDatabase(c, name, opts);
  let result: T;
  try {
    result = await fn({ ...c, database: name });
  } catch (err) {
    await dropScratchDatabase(c, name).catch(() => undefined);
    throw err;
  }
  await dropScratchDatabase(c, name);
  return result;
}

/** Whether a database exists on the server (connected through `c`'s database). */
export async function databaseExists(c: PgConnection, name: string, opts: PgCallOptions = {}): Promise<boolean> {
  const rows = await psqlQuery(c, `SELECT 1 FROM pg_database WHERE datname = :'db';\n`, { ...opts, vars: { db: name } });
  return rows.length > 0;
}

/** The server's version, e.g. `15.18 (Debian 15.18-0+deb12u1)`. */
export async function pgServerVersion(c: PgConnection, opts: PgCallOptions = {}): Promise<string> {
  const rows = await psqlQuery(c, 'SHOW server_version;\n', opts);
  return rows[0]?.[0] ?? '';
}

/**
 * The server's WAL position now (`pg_current_wal_lsn()`, or the replayed
 * position on a standby), e.g. `0/1A2B3C4`; null when the role may not read
 * it or the server is older than PostgreSQL 10: a clone point is still
 * recorded by its time.
 */
export async function pgWalLsn(c: PgConnection, opts: PgCallOptions = {}): Promise<string | null> {
  try {
    const rows = await psqlQuery(c, 'SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END;\n', opts);
    const lsn = rows[0]?.[0] ?? '';
    return /^[0-9A-F]+\/[0-9A-F]+$/.test(lsn) ? lsn : null;
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return null;
  }
}

/** A table found by `findTable`: its schema and its name exactly as stored. */
export interface FoundTable {
  schema: string;
  name: string;
}

/**
 * Table `name` matched case-insensitively (Liquibase creates Keycloak's
 * tables unquoted, so lower-case; other tools quote them) in `schema` or the
 * current schema, or null when there is none: callers say "this schema has no
 * X" instead of failing on a raw SQL error.
 */
export async function findTable(c: PgConnection, name: string, opts: PgCallOptions & { schema?: string | undefined } = {}): Promise<FoundTable | null> {
  const found = await psqlQuery(c, `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE lower(c.relname) = lower(:'name') AND c.relkind IN ('r', 'p') AND n.nspname = coalesce(nullif(:'schema', ''), current_schema())
ORDER BY c.relname = lower(:'name') DESC LIMIT 1;
`, { ...opts, vars: { name, schema: opts.schema ?? '' } });
  const t = found[0];
  return t ? { schema: t[0] ?? '', name: t[1] ?? '' } : null;
}

/**
 * Rows in table `name` (matched case-insensitively, in `schema` or the
 * current schema), or null when there is no such table: for sanity checks of
 * a restored copy, e.g. Keycloak's REALM table.
 */
export async function tableRowCount(c: PgConnection, name: string, opts: PgCallOptions & { schema?: string } = {}): Promise<number | null> {
  const t = await findTable(c, name, opts);
  if (!t) return null;
  const rows = await psqlQuery(c, 'SELECT count(*) FROM :"nsp".:"rel";\n', { ...opts, vars: { nsp: t.schema, rel: t.name } });
  return Number(rows[0]?.[0] ?? 0);
}
