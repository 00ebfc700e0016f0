/**
 * The artifact store: Keycloak server distributions with the sha256 they had
 * when Keyturn first saw them. Maven's local repository is the cache for
 * fetched versions; imported zips (air-gapped sites) are copied under
 * `<home>/artifacts`. A file whose digest no longer matches is refused.
 */
import { copyFile, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyturnError } from '../../shared/errors.ts';
import { getArtifact, listArtifacts, upsertArtifact, type ArtifactRecord } from '../ledger/artifacts-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { inspectDistribution, verifySha256 } from '../tools/keycloak-dist.ts';
import { fetchDistribution, listAvailableVersions, type MavenOptions } from '../tools/maven.ts';

export function createArtifactService(db: Ledger, home: string) {
  return {
    list: (): ArtifactRecord[] => listArtifacts(db),

    available: (opts: { refresh?: boolean; offline?: boolean } = {}) => listAvailableVersions(opts),

    /**
     * The distribution of `version`, fetched through Maven if the store lacks
     * it, and verified against the recorded sha256 if it has it.
     */
    async ensure(version: string, opts: Pick<MavenOptions, 'signal' | 'onLine'> = {}): Promise<ArtifactRecord> {
      const known = getArtifact(db, version);
      if (known) {
        await verifySha256(known.path, known.sha256);
        return known;
      }
      const path = await fetchDistribution(version, opts);
      const info = await inspectDistribution(path);
      if (info.version !== version) {
        throw new KeyturnError('artifact-failed', `The zip Maven returned for ${version} contains Keycloak ${info.version}.`, 'Check the Maven repository or mirror you use; it serves the wrong file.');
      }
      return upsertArtifact(db, { version, path, sha256: info.sha256, size: info.size, source: 'maven' });
    },

    /** Imports a distribution zip from a local file (air-gapped use). */
    async importZip(zipPath: string): Promise<ArtifactRecord> {
      const info = await inspectDistribution(zipPath);
      const dir = join(home, 'artifacts');
      await mkdir(dir, { recursive: true });
      const dest = join(dir, `keycloak-quarkus-dist-${info.version}.zip`);
      const tmp = `${dest}.tmp-${process.pid}`;
      await copyFile(zipPath, tmp);
      await verifySha256(tmp, info.sha256);
      await rename(tmp, dest);
      return upsertArtifact(db, { version: info.version, path: dest, sha256: info.sha256, size: info.size, source: 'import' });
    },
  };
}

export type ArtifactService = ReturnType<typeof createArtifactService>;
