/**
 * Row counts of Keycloak's key tables, compared between a backup and the live
 * database: the part of lost-write accounting that works in realms that store
 * no events. A restore or a clone loses every write made since its point in
 * time; where no event table names those writes, a count that moved is the
 * evidence left. It sees creations and deletions, not edits, and a delete
 * with a create in the same table cancels out: the text says so.
 *
 * The backup's counts come from its verification (the dump restored into a
 * scratch database and counted there), so they are what the dump holds, not
 * what the live database held around the time it was taken.
 */
import type { LostWriteItem } from '../../shared/contract/backups.ts';
import { psqlQuery, type PgCallOptions, type PgConnection } from '../tools/postgres.ts';

/** The tables counted, lower-case as Liquibase creates them, with the words an operator reads. */
export const keyTables: readonly (readonly [table: string, words: string])[] = [
  ['realm', 'realms'],
  ['client', 'clients'],
  ['client_scope', 'client scopes'],
  ['keycloak_role', 'roles'],
  ['keycloak_group', 'groups'],
  ['user_entity', 'users'],
  ['credential', 'credentials'],
  ['user_role_mapping', 'role mappings'],
  ['user_group_membership', 'group memberships'],
  ['identity_provider', 'identity providers'],
  ['federated_identity', 'linked identity-provider accounts'],
  ['component', 'components (user federation, keys, policies)'],
];

/** Rows per key table, by lower-case table name; a table this schema lacks is absent. */
export type KeyTableCounts = Record<string, number>;

/**
 * Counts every key table the schema (or the current one) holds, in one psql
 * call: each count runs through `query_to_xml`, so the list of tables and
 * their counts come back together whatever the schema version has.
 */
export async function keyTableCounts(c: PgConnection, schema: string | undefined, opts: PgCallOptions = {}): Promise<KeyTableCounts> {
  const names = keyTables.map(([t]) => `'${t}'`).join(', ');
  const rows = await psqlQuery(c, `SELECT DISTINCT ON (lower(c.relname)) lower(c.relname),
  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = coalesce(nullif(:'schema', ''), current_schema()) AND lower(c.relname) IN (${names})
ORDER BY lower(c.relname), c.relname = lower(c.relname) DESC;
`, { ...opts, vars: { schema: schema ?? '' } });
  const counts: KeyTableCounts = {};
  for (const [table = '', n = '0'] of rows) counts[table] = Number(n);
  return counts;
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

/**
 * The lost-write item a count comparison gives: the tables whose row count
 * differs between the backup and the live database, in words, with the sum
 * of the differences as its count; null counts when the backup's were never
 * recorded (a backup verified before Keyturn counted them).
 */
export function compareKeyTables(backup: KeyTableCounts | null | undefined, live: KeyTableCounts): LostWriteItem {
  if (!backup) {
    return { kind: 'tables', count: null, text: 'Key tables were not compared: the backup\'s verification recorded no row counts. Verify it again (keyturn backup verify ID, with the id from keyturn backup list) to compare them.' };
  }
  const moved = keyTables
    .filter(([t]) => t in backup && t in live && backup[t] !== live[t])
    .map(([t, words]) => ({ words, from: backup[t]!, to: live[t]!, delta: live[t]! - backup[t]! }));
  if (moved.length === 0) {
    return { kind: 'tables', count: 0, text: 'Key tables (realms, clients, roles, groups, users, credentials, role and group memberships, identity providers, components) hold as many rows as the backup. Edits that add or remove no row are not visible this way.' };
  }
  const count = moved.reduce((n, m) => n + Math.abs(m.delta), 0);
  const list = moved.map((m) => `${m.words} ${m.from} -> ${m.to} (${signed(m.delta)})`).join(', ');
  return { kind: 'tables', count, text: `Row counts differ from the backup: ${list}. Rows added since the backup would be lost, rows removed would come back (a schema migration's own rows, such as new default roles and client scopes, count here too); edits that add or remove no row are not visible this way.` };
}
