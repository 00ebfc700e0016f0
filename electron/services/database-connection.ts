/**
 * How Keyturn reaches a cluster's database: the connection from the cluster
 * record, its password read from its reference at the moment of use (never
 * stored), and the schema Keycloak uses there.
 */
import type { ClusterSpec } from '../../shared/contract/index.ts';
import type { PgConnection } from '../tools/postgres.ts';
import { resolveSecretRef } from './secret-refs.ts';

export async function clusterConnection(spec: ClusterSpec, env?: NodeJS.ProcessEnv): Promise<PgConnection> {
  const d = spec.database;
  const password = d.passwordRef ? await resolveSecretRef(d.passwordRef, `The database password of cluster '${spec.name}'`, env) : undefined;
  return { host: d.host, port: d.port, database: d.name, user: d.user, password };
}

/** The schema Keycloak's tables live in (`db-schema`), or undefined for the connection's default. */
export const clusterSchema = (spec: ClusterSpec): string | undefined => spec.keycloak.options['db-schema'];
