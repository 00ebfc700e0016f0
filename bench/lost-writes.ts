/**
 * `npm run bench -- lost-writes [--users 100000]`: how long Keyturn's
 * lost-write accounting (electron/services/lost-writes.ts, the query the
 * promotion gate, a switch back and a restore rollback run) takes on a realm
 * of that many users, on the real Keycloak schema.
 *
 * Needs the lab (`keyturn lab up`; KEYTURN_HOME as for it). The lab's
 * database is copied (pg_dump, restore) into a scratch database on the lab's
 * PostgreSQL, so the tables and indexes are the ones Keycloak created; the
 * users (each with a password credential), admin events and user events
 * are generated there with generate_series (1 % of each after the point in
 * time), never through the admin API. The lab's own database is only read. Figures go to stdout.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lostWritesSince } from '../electron/services/lost-writes.ts';
import { keyTableCounts } from '../electron/services/key-tables.ts';
import { keyturnHome } from '../electron/services/paths.ts';
import { pgDump, pgRestore, psqlQuery, withScratchDatabase, type PgConnection } from '../electron/tools/postgres.ts';
import { arg, logger, msf } from './lib/lab-bench.ts';

const log = logger('lost-writes');

export async function main(args: string[]): Promise<number> {
  const users = Number(arg(args, 'users', '100000'));
  if (!Number.isInteger(users) || users < 100 || users > 5_000_000) {
    process.stderr.write('lost-writes: --users must be a whole number from 100 to 5000000\n');
    return 2;
  }
  const home = keyturnHome();
  const creds = JSON.parse(await readFile(join(home, 'lab', 'credentials.json'), 'utf8').catch(() => {
    throw new Error(`no lab under ${home}: bring it up first (KEYTURN_HOME=${home} keyturn lab up --version 26.5.6)`);
  })) as { dbPassword: string };
  const lab: PgConnection = { host: '127.0.10.50', port: 5432, database: 'keycloak', user: 'keycloak', password: creds.dbPassword };
  const dir = await mkdtemp(join(tmpdir(), 'keyturn-bench-lw-'));
  try {
    log('copying the lab database (pg_dump, restore into a scratch database)');
    await pgDump(lab, join(dir, 'lab.dump'));
    return await withScratchDatabase(lab, 'keyturn_bench_lost_writes', async (db) => {
      await pgRestore(db, join(dir, 'lab.dump'));
      // the copy's key-table counts before the generated rows stand in for the backup's verified counts
      const tables = await keyTableCounts(db, undefined);
      const point = Date.now() - 3_600_000;
      const after = Math.max(1, Math.floor(users / 100));
      log(`generating ${users} users with a password each, ${users} admin events and ${2 * users} user events in realm lab (${after} of each after the point)`);
      // One statement per table; ids are generated, times spread over the week before the point, then `after` rows after it.
      await psqlQuery(db, `
CREATE TEMP TABLE r AS SELECT id FROM realm WHERE name = 'lab';
CREATE TEMP TABLE a AS SELECT u.id FROM user_entity u JOIN realm m ON m.id = u.realm_id WHERE m.name = 'master' LIMIT 1;
INSERT INTO user_entity (id, realm_id, username, created_timestamp, enabled, email_verified, not_before)
SELECT 'bench-u-' || g, (SELECT id FROM r), 'bench-user-' || g, CASE WHEN g <= ${after} THEN ${point} + g ELSE ${point} - g * 6 END, true, false, 0 FROM generate_series(1, ${users}) g;
INSERT INTO credential (id, user_id, type, created_date, secret_data, credential_data, priority)
SELECT 'bench-c-' || g, 'bench-u-' || g, 'password', CASE WHEN g <= ${after} THEN ${point} + g ELSE ${point} - g * 6 END, '{}', '{}', 10 FROM generate_series(1, ${users}) g;
INSERT INTO admin_event_entity (id, admin_event_time, realm_id, operation_type, resource_type, resource_path, auth_user_id)
SELECT 'bench-a-' || g, CASE WHEN g <= ${after} THEN ${point} + g ELSE ${point} - g * 6 END, (SELECT id FROM r), 'UPDATE', 'USER', 'users/bench-u-' || g, (SELECT id FROM a) FROM generate_series(1, ${users}) g;
INSERT INTO event_entity (id, event_time, realm_id, type, user_id)
SELECT 'bench-e-' || g, CASE WHEN g <= ${after} THEN ${point} + g ELSE ${point} - g * 3 END, (SELECT id FROM r), CASE WHEN g % 2 = 0 THEN 'LOGIN' ELSE 'UPDATE_PASSWORD' END, 'bench-u-' || (1 + g % ${users}) FROM generate_series(1, ${2 * users}) g;
ANALYZE;
`, { timeoutMs: 30 * 60_000 });
      const times: number[] = [];
      let last = null as Awaited<ReturnType<typeof lostWritesSince>> | null;
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        last = await lostWritesSince(db, undefined, { id: 'bench', createdAt: new Date(point).toISOString(), tables });
        times.push(performance.now() - t);
      }
      const sorted = [...times].sort((x, y) => x - y);
      process.stdout.write(`lost-writes accounting on ${users} users, ${users} admin events, ${2 * users} user events (realm lab, real Keycloak schema):\n`);
      process.stdout.write(`  first ${msf(times[0]!)}, median of 5 ${msf(sorted[2]!)}, fastest ${msf(sorted[0]!)}\n`);
      process.stdout.write(`  found: ${last!.users.count} users created, ${last!.items.find((i) => i.kind === 'credentials')?.count} credentials set, ${last!.adminEvents} admin events, ${last!.events} user events since the point; ${last!.changes.length} listed by name, ${last!.changesNotListed} more counted\n`);
      process.stdout.write(`  key tables: ${last!.items.find((i) => i.kind === 'tables')?.text}\n`);
      return 0;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
