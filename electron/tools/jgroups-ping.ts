/**
 * Keycloak's cluster discovery table, `JGROUPS_PING`, read and emptied.
 *
 * Why: with the default `jdbc-ping` cache stack (26.1+), every node writes a
 * row there and a starting node contacts the members it finds. A database
 * cloned from blue for green carries blue's rows, so green's first node would
 * try to join blue. Emptying the table before green starts, and reading it
 * afterwards, is how blue/green keeps the two clusters apart and proves it.
 *
 * Columns, from Keycloak's own Liquibase changelogs: `jpa-changelog-26.1.0.xml`
 * creates the table (address PK, name, cluster_name, ip, coord);
 * `jpa-changelog-26.7.0.xml` adds last_update (epoch seconds, written by
 * KEYCLOAK_JDBC_PING2 from `Time.currentTime()`) and coordinated_by. Rows are
 * read as JSON so both shapes work; Liquibase creates them unquoted, so the
 * names are lower-case on PostgreSQL.
 */
import { findTable, psqlQuery, type PgCallOptions, type PgConnection } from './postgres.ts';

/** One member as a node recorded itself. */
export interface JgroupsMember {
  /** JGroups address (a UUID string), the primary key. */
  address: string;
  /** Logical name of the node (the host name or `cache-embedded-node-name`). */
  name: string | null;
  /** The JGroups cluster the node belongs to (`ISPN` unless the cluster was given its own name). */
  clusterName: string;
  /** Where other members reach it, `ip:port` (e.g. 127.0.10.1:7800). */
  ip: string;
  /** Whether the node was the coordinator when it wrote the row. */
  coordinator: boolean;
  /** Seconds since the epoch of the row's last refresh (26.7+), else null. */
  lastUpdate: number | null;
  /** The coordinator this node saw (26.7+), else null. */
  coordinatedBy: string | null;
}

/** What the table holds; `present: false` when the database has no such table (before 26.1, or another discovery stack). */
export interface JgroupsPingTable {
  present: boolean;
  members: JgroupsMember[];
}

export interface JgroupsPingOptions extends PgCallOptions {
  /** Keycloak's `db-schema`; default: the connection's current schema. */
  schema?: string;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The members recorded in `JGROUPS_PING`, ordered by cluster name and node name. */
export async function readJgroupsPing(c: PgConnection, opts: JgroupsPingOptions = {}): Promise<JgroupsPingTable> {
  const table = await findTable(c, 'jgroups_ping', opts);
  if (!table) return { present: false, members: [] };
  const rows = await psqlQuery(c, 'SELECT to_jsonb(t)::text FROM :"nsp".:"rel" t ORDER BY t.cluster_name, t.name, t.address;\n', { ...opts, vars: { nsp: table.schema, rel: table.name } });
  const members = rows.map(([json]) => {
    const r = JSON.parse(json ?? '{}') as Record<string, unknown>;
    return {
      address: str(r['address']) ?? '',
      name: str(r['name']),
      clusterName: str(r['cluster_name']) ?? '',
      ip: str(r['ip']) ?? '',
      coordinator: r['coord'] === true,
      lastUpdate: typeof r['last_update'] === 'number' ? r['last_update'] : null,
      coordinatedBy: str(r['coordinated_by']),
    };
  });
  return { present: true, members };
}

/**
 * Deletes every row of `JGROUPS_PING`, in one statement, and says how many
 * went. Run it on green's database while no green node runs (a running node
 * writes its row again). No table: nothing to clear, `present: false`.
 */
export async function clearJgroupsPing(c: PgConnection, opts: JgroupsPingOptions = {}): Promise<{ present: boolean; deleted: number }> {
  const table = await findTable(c, 'jgroups_ping', opts);
  if (!table) return { present: false, deleted: 0 };
  const rows = await psqlQuery(c, 'WITH gone AS (DELETE FROM :"nsp".:"rel" RETURNING 1) SELECT count(*) FROM gone;\n', { ...opts, vars: { nsp: table.schema, rel: table.name } });
  return { present: true, deleted: Number(rows[0]?.[0] ?? 0) };
}
