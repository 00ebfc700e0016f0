import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { compareVersions, fetchDistribution, listAvailableVersions, localRepositoryPath, parseMavenMetadata, sortVersionsDesc } from './maven.ts';
import { testDistribution } from './test-support/keycloak-dists.ts';

const metadataFixture = new URL('./fixtures/maven-metadata-central.xml', import.meta.url);

describe('version helpers', () => {
  it('orders versions numerically, qualifiers before their release', () => {
    expect(sortVersionsDesc(['26.5.6', '26.10.0', '26.7.3', '26.10.0-rc1', '9.0.0', '26.7.0'])).toEqual(['26.10.0', '26.10.0-rc1', '26.7.3', '26.7.0', '26.5.6', '9.0.0']);
    expect(compareVersions('26.7.0', '26.7.0')).toBe(0);
  });

  it('reads the <versions> of Maven metadata', async () => {
    expect(parseMavenMetadata(await readFile(metadataFixture, 'utf8'))).toEqual(['25.0.6', '26.5.6', '26.10.0-rc1', '26.7.0', '26.7.3']);
    expect(parseMavenMetadata('<metadata/>')).toEqual([]);
  });
});

describe('Maven through the real mvn client', () => {
  /** Where this machine's Maven keeps artifacts, asked of mvn directly (settings.xml may move it away from ~/.m2). */
  let m2: string;
  let distDir: string;
  beforeAll(async () => {
    const help = await execa('mvn', ['-B', '-q', '-Dstyle.color=never', 'org.apache.maven.plugins:maven-help-plugin:3.5.1:evaluate', '-Dexpression=settings.localRepository', '-DforceStdout'], { cwd: tmpdir() });
    // eslint-disable-next-line no-control-regex
    m2 = help.stdout.replace(/\u001b\[[0-9;]*m/g, '').trim().split('\n').pop()!.trim();
    distDir = join(m2, 'org', 'keycloak', 'keycloak-quarkus-dist');
    // The listing below counts these as downloaded; fetched here, whatever ran before.
    await testDistribution('26.7.0');
    await testDistribution('26.7.3');
  }, 20 * 60_000);

  it('finds the local repository as Maven resolves it', async () => {
    expect(m2).toMatch(/^\//);
    expect(await localRepositoryPath()).toBe(m2);
    expect(await localRepositoryPath({ localRepository: '/somewhere/else' })).toBe('/somewhere/else');
  });

  it('returns the local repository path of a published distribution', async () => {
    const path = await fetchDistribution('26.7.0');
    expect(path).toBe(join(distDir, '26.7.0', 'keycloak-quarkus-dist-26.7.0.zip'));
    expect((await stat(path)).size).toBeGreaterThan(100_000_000);
  });

  it('lists published versions newest first from metadata mvn refreshed', async () => {
    const list = await listAvailableVersions({ refresh: true });
    expect(list.offline).toBe(false);
    expect(list.offlineReason).toBeNull();
    expect(list.versions).toEqual(expect.arrayContaining(['26.7.3', '26.7.0', '26.5.6']));
    expect(list.versions.some((v) => v.startsWith('26.6.'))).toBe(false);
    expect(list.versions).toEqual(sortVersionsDesc(list.versions));
    expect(list.versions.indexOf('26.7.3')).toBeLessThan(list.versions.indexOf('26.7.0'));
    expect(list.downloaded).toEqual(expect.arrayContaining(['26.7.3', '26.7.0']));
    const metadata = (await readdir(distDir)).filter((n) => /^maven-metadata-.*\.xml$/.test(n));
    expect(metadata.length).toBeGreaterThan(0);
  });
  it('says a version is not published, suggests published ones, and leaves no trace of the miss', async () => {
    // Suggestions come from the metadata the listing above refreshed.
    const err = (await fetchDistribution('26.6.0').catch((e: unknown) => e)) as KeyturnError;
    expect(err).toBeInstanceOf(KeyturnError);
    expect(err.code).toBe('artifact-failed');
    expect(err.message).toContain('Keycloak 26.6.0 is not published');
    expect(err.hint).toMatch(/version list/);
    expect(err.hint).toContain('nearby: 26.7.0, 26.5.6');
    expect(await readdir(distDir)).not.toContain('26.6.0');
  });

  it('rejects something that is not a version before calling mvn', async () => {
    const err = (await fetchDistribution('26.7.0:jar:evil').catch((e: unknown) => e)) as KeyturnError;
    expect(err.code).toBe('invalid-input');
  });

});

describe('air-gapped: falling back to what the local repository holds', () => {
  let repo: string;
  beforeAll(async () => {
    repo = await mkdtemp(join(tmpdir(), 'keyturn-m2-test-'));
    const dir = join(repo, 'org', 'keycloak', 'keycloak-quarkus-dist');
    await mkdir(join(dir, '24.0.5'), { recursive: true });
    await mkdir(join(dir, '26.6.1'), { recursive: true });
    await copyFile(metadataFixture, join(dir, 'maven-metadata-central.xml'));
    await writeFile(join(dir, '24.0.5', 'keycloak-quarkus-dist-24.0.5.zip'), 'imported by hand');
    // What a failed lookup leaves behind: no zip, so not a version.
    await writeFile(join(dir, '26.6.1', 'keycloak-quarkus-dist-26.6.1.zip.lastUpdated'), '');
  });
  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('lists metadata versions plus downloaded ones and says it is offline when mvn cannot resolve', async () => {
    // Maven offline mode with an empty repository: mvn itself fails (no plugins), as on an air-gapped machine.
    const list = await listAvailableVersions({ localRepository: repo, offline: true });
    expect(list.offline).toBe(true);
    expect(list.offlineReason).toBe('offline mode requested');
    expect(list.versions).toEqual(['26.10.0-rc1', '26.7.3', '26.7.0', '26.5.6', '25.0.6', '24.0.5']);
    expect(list.downloaded).toEqual(['24.0.5']);
  });

  it('still lists what the local repository knows when mvn is not installed at all', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      const list = await listAvailableVersions({ localRepository: repo });
      expect(list.offline).toBe(true);
      expect(list.offlineReason).toContain('"mvn"');
      expect(list.versions[0]).toBe('26.10.0-rc1');
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('explains that an unavailable version cannot be fetched offline', async () => {
    const err = (await fetchDistribution('26.7.3', { localRepository: repo, offline: true }).catch((e: unknown) => e)) as KeyturnError;
    expect(err.code).toBe('artifact-failed');
    expect(err.message).toMatch(/offline/i);
  });

  it('fails with a clear message when nothing at all is known', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'keyturn-m2-empty-'));
    try {
      const err = (await listAvailableVersions({ localRepository: empty, offline: true }).catch((e: unknown) => e)) as KeyturnError;
      expect(err.code).toBe('artifact-failed');
      expect(err.message).toContain('No Keycloak versions are known');
      expect(err.hint).toContain('install:install-file');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
