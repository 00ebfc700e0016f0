/**
 * A real PostgreSQL for the postgres adapter's and backup service's tests:
 * `initdb` + `pg_ctl start` on 127.0.40.1 (127.0.0.0/8 is all local on Linux,
 * so nothing is added to `lo`) and a free port, with scram-sha-256 over TCP
 * like a production server and peer auth on a private socket for setup.
 *
 * PostgreSQL refuses to run as root, so as root everything server-side runs as
 * the `postgres` OS user (`runuser`), in a temp dir that user owns. `stop()`
 * stops the server and removes the dir; a synchronous exit hook stops it too
 * if a test worker dies first, so no postmaster is ever left behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { freePort } from './daemon.ts';

export interface TestPostgres {
  host: string;
  port: number;
  dir: string;
  /** Runs SQL as the superuser over the private socket (psql variables via `vars`). */
  admin(sql: string, vars?: Record<string, string>): Promise<string>;
  /** Creates a login role with a password and a database it owns. */
  createRoleAndDatabase(role: string, password: string, database: string, opts?: { createdb?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** Debian keeps the server programs off PATH in /usr/lib/postgresql/<major>/bin: the newest installed major is used. */
function newestPostgresBin(): string {
  const majors = (existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : []).filter((m) => /^\d+$/.test(m)).sort((a, b) => Number(b) - Number(a));
  const major = majors.find((m) => existsSync(`/usr/lib/postgresql/${m}/bin/pg_ctl`));
  return major ? `/usr/lib/postgresql/${major}/bin` : '';
}

const pgBin = process.env.KEYTURN_PG_BIN ?? newestPostgresBin();
const bin = (name: string) => (pgBin ? join(pgBin, name) : name);
const isRoot = userInfo().uid === 0;
const osUser = isRoot ? 'postgres' : userInfo().username;

/** Runs a server-side program as the cluster's OS user. */
function asPg(file: string, args: string[], input?: string) {
  const [cmd, argv] = isRoot ? ['runuser', ['-u', osUser, '--', file, ...args]] : [file, args];
  return execa(cmd as string, argv as string[], { cwd: '/', ...(input === undefined ? { stdin: 'ignore' as const } : { input }) });
}

/** The major version of the PostgreSQL server these tests start (what `SELECT version()` must then report). */
export async function postgresServerMajor(): Promise<number> {
  const out = (await execa(bin('pg_ctl'), ['--version'])).stdout;
  const major = /\(PostgreSQL\) (\d+)/.exec(out)?.[1];
  if (!major) throw new Error(`Cannot read the PostgreSQL version from "${out}" (${bin('pg_ctl')}).`);
  return Number(major);
}

const live = new Set<string>();
let hookInstalled = false;
function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    for (const data of live) {
      try {
        const args = [bin('pg_ctl'), '-D', data, '-m', 'immediate', 'stop'];
        execFileSync(isRoot ? 'runuser' : args[0]!, isRoot ? ['-u', osUser, '--', ...args] : args.slice(1), { stdio: 'ignore', cwd: '/' });
      } catch {
        // already gone
      }
    }
  });
}

/** Starts a throwaway PostgreSQL on `host` (default 127.0.40.1); call `stop()` in afterAll. */
export async function startPostgres(host = '127.0.40.1'): Promise<TestPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'keyturn-pg-'));
  const data = join(dir, 'data');
  const run = join(dir, 'run');
  await mkdir(run);
  if (isRoot) {
    const uid = Number((await execa('id', ['-u', osUser])).stdout);
    const gid = Number((await execa('id', ['-g', osUser])).stdout);
    await chown(dir, uid, gid);
    await chown(run, uid, gid);
  }
  const port = await freePort(host);
  const psqlAdmin = (sql: string, vars: Record<string, string> = {}) =>
    asPg(bin('psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...Object.entries(vars).flatMap(([k, v]) => ['-v', `${k}=${v}`]), '-h', run, '-p', String(port), '-U', osUser, '-d', 'postgres'], sql);
  try {
    await asPg(bin('initdb'), ['-D', data, '-U', osUser, '-E', 'UTF8', '--no-locale', '--auth-local=peer', '--auth-host=scram-sha-256', '--no-sync']);
    installExitHook();
    live.add(data);
    const opts = `-c listen_addresses=${host} -c port=${port} -c unix_socket_directories=${run} -c fsync=off -c max_connections=40 -c shared_buffers=16MB`;
    await asPg(bin('pg_ctl'), ['-D', data, '-l', join(dir, 'postgres.log'), '-o', opts, '-w', '-t', '60', 'start']);
  } catch (err) {
    await stopServer(data);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    host,
    port,
    dir,
    admin: async (sql, vars) => (await psqlAdmin(sql, vars)).stdout,
    async createRoleAndDatabase(role, password, database, opts = {}) {
      await psqlAdmin(
        `CREATE ROLE :"role" LOGIN ${opts.createdb ? 'CREATEDB' : ''} PASSWORD :'pw';\nCREATE DATABASE :"db" OWNER :"role" TEMPLATE template0 ENCODING 'UTF8';\n`,
        { role, pw: password, db: database },
      );
    },
    async stop() {
      await stopServer(data);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function stopServer(data: string): Promise<void> {
  if (!live.has(data)) return;
  await asPg(bin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']).catch(() => asPg(bin('pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined));
  live.delete(data);
}

/**
 * Creates Liquibase's `DATABASECHANGELOG` (all its columns, as Keycloak's
 * Liquibase creates it on PostgreSQL: unquoted, so lower-case) with `entries`
 * change sets, and a `REALM` table with `realms` rows, in `database`.
 */
export async function seedKeycloakLikeSchema(pg: TestPostgres, database: string, owner: string, entries: number, realms: string[]): Promise<void> {
  const rows = Array.from({ length: entries }, (_, i) =>
    `('${i + 1}.0.0-change-${i}', 'keycloak', 'META-INF/jpa-changelog-${i + 1}.0.0.xml', now(), ${i + 1}, 'EXECUTED', '9:${'a'.repeat(32)}', 'createTable', '', NULL, '4.29.1', NULL, NULL, '1234567890')`).join(',\n');
  const sql = `\\connect :"db"
SET ROLE :"owner";
CREATE TABLE databasechangelog (
  id VARCHAR(255) NOT NULL, author VARCHAR(255) NOT NULL, filename VARCHAR(255) NOT NULL,
  dateexecuted TIMESTAMP NOT NULL, orderexecuted INTEGER NOT NULL, exectype VARCHAR(10) NOT NULL,
  md5sum VARCHAR(35), description VARCHAR(255), comments VARCHAR(255), tag VARCHAR(255),
  liquibase VARCHAR(20), contexts VARCHAR(255), labels VARCHAR(255), deployment_id VARCHAR(10));
${entries > 0 ? `INSERT INTO databasechangelog VALUES\n${rows};` : ''}
CREATE TABLE realm (id VARCHAR(36) PRIMARY KEY, name VARCHAR(255) UNIQUE, enabled BOOLEAN NOT NULL DEFAULT true);
${realms.length ? `INSERT INTO realm (id, name) VALUES ${realms.map((r, i) => `('id-${i}', '${r}')`).join(', ')};` : ''}
`;
  await pg.admin(sql, { db: database, owner });
}

/** Adds one change set to a seeded database (what a Keycloak upgrade's migration does). */
export async function addChangeSet(pg: TestPostgres, database: string, id: string): Promise<void> {
  await pg.admin(`\\connect :"db"
INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype)
  SELECT :'id', 'keycloak', 'META-INF/jpa-changelog-99.0.0.xml', now(), coalesce(max(orderexecuted), 0) + 1, 'EXECUTED' FROM databasechangelog;
`, { db: database, id });
}
