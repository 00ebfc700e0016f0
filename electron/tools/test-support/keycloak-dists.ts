/**
 * The Keycloak server distributions the unit tests run, obtained the way
 * Keyturn obtains them: through `fetchDistribution` (the real mvn client,
 * online). A test never assumes that another test file or an earlier run
 * warmed the local Maven repository; whichever caller comes first downloads,
 * and the others wait for it.
 *
 * Vitest runs test files in parallel worker processes, and two mvn processes
 * writing one artifact into one local repository can step on each other, so
 * each version is fetched under a lock file (created with O_EXCL, holder's
 * pid inside, taken over when that process is dead) in the system temp dir.
 */
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyturnError } from '../../../shared/errors.ts';
import { sha256File } from '../keycloak-dist.ts';
import { withFileLock } from '../file-lock.ts';
import { fetchDistribution, localRepositoryPath } from '../maven.ts';

/** Every Keycloak version a unit test reads; the unit project's global setup fetches them all once. */
export const TEST_DISTRIBUTION_VERSIONS = ['26.5.6', '26.7.0', '26.7.3'] as const;

export type TestDistributionVersion = (typeof TEST_DISTRIBUTION_VERSIONS)[number];

export interface TestDistribution {
  version: string;
  /** The zip in the local Maven repository. */
  zipPath: string;
  sha256: string;
}

/** Downloading ~150 MB over a slow link, plus waiting for another worker doing the same. */
const FETCH_TIMEOUT_MS = 20 * 60_000;
const LOCK_POLL_MS = 500;
/** The local repository, as the global setup's mvn resolved it, for the workers it starts. */
const REPO_ENV = 'KEYTURN_TEST_MAVEN_REPOSITORY';

const memo = new Map<string, Promise<TestDistribution>>();

/**
 * The zip (and its sha256) of Keycloak `version` in the local Maven
 * repository, downloaded through `fetchDistribution` when it is not there
 * yet. Fails, never skips, with a message that says how to get it.
 */
export function testDistribution(version: TestDistributionVersion): Promise<TestDistribution> {
  let pending = memo.get(version);
  if (!pending) {
    pending = ensure(version).then(async (zipPath) => ({ version, zipPath, sha256: await sha256File(zipPath) }));
    pending.catch(() => memo.delete(version));
    memo.set(version, pending);
  }
  return pending;
}

/** Only the zip path, without hashing it (the global setup, which only needs the file in place). */
export async function ensureTestDistribution(version: TestDistributionVersion): Promise<{ zipPath: string; fetched: boolean }> {
  const before = await localZip(version);
  if (before) return { zipPath: before, fetched: false };
  return { zipPath: await ensure(version), fetched: true };
}

async function ensure(version: string): Promise<string> {
  const present = await localZip(version);
  if (present) return present;
  return withFetchLock(version, async () => {
    // Another worker may have fetched it while this one waited for the lock.
    const now = await localZip(version);
    if (now) return now;
    try {
      return await fetchDistribution(version, { localRepository: await testMavenRepository(), timeoutMs: FETCH_TIMEOUT_MS });
    } catch (err) {
      const why = err instanceof KeyturnError ? `${err.message} ${err.hint}` : String(err);
      throw new Error(
        `The tests need Keycloak ${version} (org.keycloak:keycloak-quarkus-dist:${version}:zip) and could not fetch it through Maven: ${why}\n` +
          `Get it with: mvn -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get -Dartifact=org.keycloak:keycloak-quarkus-dist:${version}:zip -Dtransitive=false`,
        { cause: err },
      );
    }
  });
}

/**
 * Where Maven keeps artifacts on this machine. Asking mvn costs a JVM start
 * (10-20 s on a busy machine), so the global setup asks once and hands the
 * answer to the test workers it starts; a file run without it asks itself.
 */
export async function testMavenRepository(): Promise<string> {
  const known = process.env[REPO_ENV];
  if (known) return known;
  const repo = await localRepositoryPath();
  process.env[REPO_ENV] = repo;
  return repo;
}

/** The zip's path when the local repository already has it complete (Maven renames a download into place only when it is done). */
async function localZip(version: string): Promise<string | null> {
  const repo = await testMavenRepository();
  const zip = join(repo, 'org', 'keycloak', 'keycloak-quarkus-dist', version, `keycloak-quarkus-dist-${version}.zip`);
  return (await stat(zip).then((s) => s.isFile() && s.size > 0, () => false)) ? zip : null;
}

async function withFetchLock<T>(version: string, fn: () => Promise<T>): Promise<T> {
  const path = join(tmpdir(), `keyturn-test-dist-${version}.lock`);
  return withFileLock(path, fn, {
    waitMs: FETCH_TIMEOUT_MS,
    pollMs: LOCK_POLL_MS,
    onTimeout: (holder) => new Error(`Waited ${FETCH_TIMEOUT_MS / 60_000} min for ${holder || 'another test process'} to fetch Keycloak ${version} (lock ${path}). If no test is running, delete that file.`),
  });
}

