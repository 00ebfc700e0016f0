/**
 * Keyturn never starts a Keycloak older than the schema it finds. Keycloak
 * itself only logs a warning when an older version meets a newer schema and
 * starts anyway (keycloak PR #29792), which can corrupt data written by the
 * newer version. Every path that starts a version (upgrade, resume, rollback,
 * a downgrade) asks this guard first: the database's DATABASECHANGELOG must
 * hold no change set the version's own distribution does not ship.
 */
import type { ClusterSpec } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { changeSetKey, shippedChangeSets } from '../tools/keycloak-changesets.ts';
import { changelogEntries } from '../tools/postgres-changelog.ts';
import { clusterConnection, clusterSchema } from './database-connection.ts';

export interface SchemaReading {
  /** Change sets in the database; those the version does not ship, `filename: id`. */
  changeSets: number;
  unknown: string[];
}

/** The refusal when the database holds change sets `version` does not ship: pure, so every caller words it the same way. */
export function schemaRefusal(clusterName: string, version: string, unknown: readonly string[]): KeyturnError | null {
  if (!unknown.length) return null;
  const files = [...new Set(unknown.map((u) => u.split(':')[0]))].join(', ');
  return new KeyturnError('conflict', `Keycloak ${version} will not be started on cluster '${clusterName}': its database holds ${unknown.length} change set${unknown.length === 1 ? '' : 's'} Keycloak ${version} does not ship (${files}), written by a newer Keycloak; an older Keycloak on a newer schema starts with only a warning and may corrupt data.`,
    `Go back by restoring a backup taken on ${version} (keyturn rollback --cluster ${clusterName} restores the pre-upgrade backup), or start the newer version again.`);
}

/** Compares the cluster database's changelog with what the distribution at `zipPath` ships. */
export async function readSchema(spec: ClusterSpec, zipPath: string, opts: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<SchemaReading> {
  const conn = await clusterConnection(spec, opts.env);
  const schema = clusterSchema(spec);
  const [entries, shipped] = await Promise.all([
    changelogEntries(conn, { ...(opts.signal ? { signal: opts.signal } : {}), ...(schema ? { schema } : {}) }),
    shippedChangeSets(zipPath, opts.signal ? { signal: opts.signal } : {}),
  ]);
  const unknown = entries.filter((e) => !shipped.has(changeSetKey(e.filename, e.id, e.author))).map((e) => `${e.filename}: ${e.id}`);
  return { changeSets: entries.length, unknown };
}

/**
 * Reads what the distribution at `zipPath` ships ahead of the guard (about a
 * second of unzipping on a small machine), so the guard asked inside a
 * recreate's outage only queries the database. Cached for the process.
 */
export async function prepareSchemaGuard(zipPath: string, opts: { signal?: AbortSignal } = {}): Promise<number> {
  return (await shippedChangeSets(zipPath, opts)).size;
}

/** Throws `conflict` when the cluster's database was migrated past `version` (the distribution at `zipPath`). */
export async function assertSchemaAllows(spec: ClusterSpec, version: string, zipPath: string, opts: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<SchemaReading> {
  const reading = await readSchema(spec, zipPath, opts);
  const refusal = schemaRefusal(spec.name, version, reading.unknown);
  if (refusal) throw refusal;
  return reading;
}
