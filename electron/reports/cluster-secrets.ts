/**
 * The secret values of a run's cluster, read from their references, so a
 * report masks them on top of the redaction every ledger write already did
 * (a secret learned after the fact is not in the redactor's patterns). One
 * module so `keyturn report` and the console's "Export report" mask exactly
 * the same values. Reading a reference is the services layer's job
 * (electron/services/secret-refs.ts); the caller hands its reader in, so this
 * layer stays below it.
 */
import { secretRefSchema, type ClusterSpec, type SecretRef } from '../../shared/contract/index.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { getRun } from '../ledger/runs-repo.ts';

/** Every secret reference in a cluster spec (secret options, database, DNS key, probe client, admin). */
function secretRefsOf(value: unknown, out: SecretRef[] = []): SecretRef[] {
  if (value === null || typeof value !== 'object') return out;
  const ref = secretRefSchema.safeParse(value);
  if (ref.success) out.push(ref.data);
  else for (const v of Object.values(value as Record<string, unknown>)) secretRefsOf(v, out);
  return out;
}

/** Turns one secret reference into its value (`resolveSecretRef` from electron/services/secret-refs.ts). */
export type SecretReader = (ref: SecretRef, what: string) => Promise<string>;

/**
 * The values of the run's cluster secrets this process can read; one it
 * cannot read is skipped (the redactor's patterns still apply). An unknown
 * run throws `not-found`.
 */
export async function clusterSecrets(db: Ledger, runId: string, read: SecretReader): Promise<string[]> {
  const name = getRun(db, runId).run.clusterName;
  if (!name) return [];
  const spec: ClusterSpec = getCluster(db, name).spec;
  const values = await Promise.all(secretRefsOf(spec).map((r) => read(r, 'secret').catch(() => null)));
  return values.filter((v): v is string => v !== null);
}
