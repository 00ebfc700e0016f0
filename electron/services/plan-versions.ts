/**
 * The Target step's version picker: every version Keyturn could upgrade (or
 * go back) to, from the artifact store and the Maven repository's metadata,
 * each labelled relative to the cluster's version so the operator sees "patch
 * upgrade" or "minor upgrade" before planning. Offline (air-gapped, mirror
 * down) the store and the local repository still answer.
 */
import type { CallOutput } from '../../shared/contract/index.ts';
import { classifyChange, compareVersions, parseVersion } from '../../shared/domain/versions.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import type { ArtifactService } from './artifact-service.ts';

export type PlanVersions = CallOutput<'plan:versions'>;

export async function planVersions(db: Ledger, artifacts: ArtifactService, input: { cluster?: string; refresh?: boolean }): Promise<PlanVersions> {
  const current = input.cluster ? getCluster(db, input.cluster).spec.keycloak.version : null;
  const stored = new Set(artifacts.list().map((a) => a.version));
  const maven = await artifacts.available({ refresh: input.refresh ?? false }).catch((err: unknown) => {
    // Nothing known to Maven at all: the artifact store alone still lets the operator plan.
    if (!(err instanceof KeyturnError) || err.code !== 'artifact-failed' || stored.size === 0) throw err;
    return { versions: [] as string[], downloaded: [] as string[], offline: true, offlineReason: err.message };
  });
  const published = maven.versions;
  const downloaded = new Set(maven.downloaded);
  const { offline, offlineReason } = maven;
  const all = [...new Set([...published, ...stored])].filter((v) => parseVersion(v) !== null).sort((a, b) => compareVersions(b, a));
  return {
    current,
    versions: all.map((version) => {
      const change = current ? classifyChange(current, version) : null;
      return { version, stored: stored.has(version), downloaded: downloaded.has(version) || stored.has(version), change: change?.kind ?? null, direction: change?.direction ?? null };
    }),
    offline,
    offlineReason,
  };
}
