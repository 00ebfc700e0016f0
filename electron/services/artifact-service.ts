/**
 * The artifact store: Keycloak server distributions with the sha256 they had
 * when Keyturn first saw them. Maven's local repository is the cache for
 * fetched versions; imported zips (air-gapped sites) are copied under
 * `<home>/artifacts`. A file whose digest no longer matches is refused.
 */
import { copyFile, mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyturnError } from '../../shared/errors.ts';
import { getArtifact, listArtifacts, upsertArtifact, type ArtifactRecord } from '../ledger/artifacts-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { inspectDistribution, verifySha256 } from '../tools/keycloak-dist.ts';
import { fetchDistribution, listAvailableVersions, type MavenOptions } from '../tools/maven.ts';

/** What identifies a file's bytes without reading them: a changed file changes at least one of these. */
async function fileIdentity(path: string): Promise<string | null> {
  const s = await stat(path, { bigint: true }).catch(() => null);
  return s ? `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` : null;
}

export function createArtifactService(db: Ledger, home: string) {
  /**
   * Files this process hashed and found right, by path -> identity. A run asks
   * for its distribution several times (plan, preflight, prepare, every
   * node); hashing 170 MB each time costs seconds on a busy host, so the hash
   * is re-read only when the file's identity (inode, size, mtime, ctime) moved.
   */
  const verified = new Map<string, string>();
  async function verifyOnce(path: string, sha256: string): Promise<void> {
    const before = await fileIdentity(path);
    if (before !== null && verified.get(`${path}\u0000${sha256}`) === before) return;
    await verifySha256(path, sha256);
    const after = await fileIdentity(path);
    if (after !== null && after === before) verified.set(`${path}\u0000${sha256}`, after);
  }

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
        await verifyOnce(known.path, known.sha256);
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
      // The zip is the operator's own file: a missing one is `not-found` (3), one that is not a Keycloak distribution is bad input (2).
      if (!(await stat(zipPath).catch(() => null))) throw new KeyturnError('not-found', `${zipPath} does not exist.`, 'Check the path of the distribution zip.');
      const info = await inspectDistribution(zipPath).catch((err: unknown) => {
        if (!(err instanceof KeyturnError) || err.code !== 'artifact-failed') throw err;
        throw new KeyturnError('invalid-input', err.message, 'Import the keycloak-quarkus-dist zip as published (Maven: org.keycloak:keycloak-quarkus-dist:<version>:zip). Nothing was imported.', err.details);
      });
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
