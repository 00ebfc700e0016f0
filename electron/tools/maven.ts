/**
 * Keycloak server distributions, obtained through the `mvn` client only.
 *
 * Going through Maven (rather than downloading files ourselves) means the
 * operator's own settings apply unchanged: mirrors, proxies, credentials,
 * offline mode, and the local repository as the cache. An air-gapped site
 * that imports the zip into its local repository (or a mirror) works the same
 * way. Repository locations are Maven's business and never appear here.
 */
import { mkdtemp, readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyturnError } from '../../shared/errors.ts';
import { runTool, tailLines, type OutputStream, type ToolResult } from './process.ts';

const GROUP_ID = 'org.keycloak';
const ARTIFACT_ID = 'keycloak-quarkus-dist';
const ARTIFACT_DIR = [...GROUP_ID.split('.'), ARTIFACT_ID];
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
const HELP_PLUGIN = 'org.apache.maven.plugins:maven-help-plugin:3.5.1';
const VERSION_RE = /^\d+\.\d+\.\d+(?:[.-][A-Za-z0-9]+)*$/;

export interface MavenOptions {
  signal?: AbortSignal;
  onLine?: (stream: OutputStream, line: string) => void;
  /** Use this local repository instead of the one from Maven's settings (`-Dmaven.repo.local`). */
  localRepository?: string;
  /** Maven's offline mode (`-o`): only what the local repository already has. */
  offline?: boolean;
  timeoutMs?: number;
}

export interface AvailableVersions {
  /** Published versions, newest first. */
  versions: string[];
  /** Versions whose zip is already in the local repository. */
  downloaded: string[];
  /** True when the list comes only from the local repository (air-gapped, or the repository could not be reached). */
  offline: boolean;
  /** Why the repository was not asked or did not answer, in Maven's words. */
  offlineReason: string | null;
}

let cachedLocalRepository: Promise<string> | null = null;

/**
 * Where Maven keeps downloaded artifacts, as Maven itself resolves it
 * (settings.xml, MAVEN_OPTS...). Asked once per process; falls back to
 * ~/.m2/repository when mvn cannot answer (help plugin not available offline).
 */
export function localRepositoryPath(options: Pick<MavenOptions, 'localRepository'> = {}): Promise<string> {
  if (options.localRepository) return Promise.resolve(options.localRepository);
  // Not cancellable on purpose: an aborted first caller must not leave the fallback cached for everyone.
  cachedLocalRepository ??= (async () => {
    const fallback = join(homedir(), '.m2', 'repository');
    const result = await mvn(['-q', `${HELP_PLUGIN}:evaluate`, '-Dexpression=settings.localRepository', '-DforceStdout'], { timeoutMs: 60_000 }).catch(() => null);
    const path = result?.exitCode === 0 ? stripAnsi(result.stdout).trim().split('\n').pop()?.trim() : undefined;
    resolvedLocalRepository = path && path.startsWith('/') ? path : fallback;
    return resolvedLocalRepository;
  })();
  return cachedLocalRepository;
}

let resolvedLocalRepository: string | null = null;

/**
 * Where the local repository is without starting Maven (it takes seconds): Maven's own
 * answer when this process already asked it, else `<localRepository>` from
 * ~/.m2/settings.xml, else ~/.m2/repository. For screens that refresh often
 * (the fleet); anything that downloads asks `localRepositoryPath`.
 */
export async function localRepositoryPathQuick(): Promise<string> {
  if (resolvedLocalRepository) return resolvedLocalRepository;
  const settings = await readFile(join(homedir(), '.m2', 'settings.xml'), 'utf8').catch(() => '');
  const named = /<localRepository>\s*([^<]+?)\s*<\/localRepository>/.exec(settings)?.[1];
  return named && named.startsWith('/') ? named : join(homedir(), '.m2', 'repository');
}

/**
 * Makes sure the Keycloak server zip of `version` is in the local Maven
 * repository (downloading it through mvn if needed) and returns its path
 * there. Throws `artifact-failed` when the version is not published or the
 * repository cannot be reached, `invalid-input` for a malformed version.
 */
export async function fetchDistribution(version: string, options: MavenOptions = {}): Promise<string> {
  requireVersion(version);
  const repo = await localRepositoryPath(options);
  const zip = join(repo, ...ARTIFACT_DIR, version, `${ARTIFACT_ID}-${version}.zip`);
  const args = ['-q', `${DEPENDENCY_PLUGIN}:get`, `-Dartifact=${GROUP_ID}:${ARTIFACT_ID}:${version}:zip`, '-Dtransitive=false'];
  const run = (extra: string[]) => mvn([...extra, ...args], { timeoutMs: 20 * 60_000, ...options });

  let result = await run([]);
  // Maven remembers a miss for a day; a version published since then deserves a fresh look.
  if (result.exitCode !== 0 && /during a previous attempt/.test(result.stdout) && !options.offline) result = await run(['-U']);
  if (result.exitCode !== 0) throw await fetchError(version, result, repo, options);

  if (!(await stat(zip).then((s) => s.isFile(), () => false))) {
    throw new KeyturnError('artifact-failed', `mvn reported Keycloak ${version} as resolved, but ${zip} does not exist.`, 'Check which local repository Maven uses (`mvn help:evaluate -Dexpression=settings.localRepository`) and that it is writable.');
  }
  return zip;
}

/**
 * The Keycloak versions the configured Maven repository publishes, newest
 * first. Resolving the `RELEASE` version makes mvn refresh
 * `maven-metadata-*.xml` in the local repository (daily, or now with
 * `refresh`); those files are then read directly. When mvn cannot reach the
 * repository, or `offline` is set, the local repository's metadata and
 * downloaded versions are used and `offline` is true.
 */
export async function listAvailableVersions(options: MavenOptions & { refresh?: boolean } = {}): Promise<AvailableVersions> {
  const repo = await localRepositoryPath(options);
  const extra = [...(options.refresh && !options.offline ? ['-U'] : [])];
  let failure: string | null = null;
  try {
    const result = await mvn([...extra, '-q', `${DEPENDENCY_PLUGIN}:get`, `-Dartifact=${GROUP_ID}:${ARTIFACT_ID}:RELEASE:pom`, '-Dtransitive=false'], { timeoutMs: 2 * 60_000, ...options });
    if (result.exitCode !== 0) failure = firstError(result);
  } catch (err) {
    // No mvn at all, or a repository that never answers: what the local repository knows is still worth showing.
    if (!(err instanceof KeyturnError) || (err.code !== 'tool-missing' && err.code !== 'timeout')) throw err;
    failure = err.message;
  }
  const { published, downloaded } = await readLocalVersions(join(repo, ...ARTIFACT_DIR));
  const offline = options.offline === true || failure !== null;
  const offlineReason = options.offline ? 'offline mode requested' : failure;
  const versions = sortVersionsDesc([...new Set([...published, ...downloaded])]);
  if (versions.length === 0) {
    throw new KeyturnError(
      'artifact-failed',
      `No Keycloak versions are known: ${offlineReason ?? 'the repository listed none'}, and the local repository ${repo} has none.`,
      'Connect to the Maven repository (check mirrors and proxies in ~/.m2/settings.xml), or import a keycloak-quarkus-dist zip into the local repository with `mvn install:install-file`.',
    );
  }
  return { versions, downloaded: sortVersionsDesc(downloaded), offline, offlineReason };
}

/** Versions listed in a `maven-metadata*.xml` document, in document order. */
export function parseMavenMetadata(xml: string): string[] {
  const block = /<versions>([\s\S]*?)<\/versions>/.exec(xml)?.[1] ?? '';
  return [...block.matchAll(/<version>\s*([^<\s]+)\s*<\/version>/g)].map((m) => m[1] as string);
}

/** Orders Maven versions numerically (26.10.0 after 26.9.1); a qualifier (`-rc1`) sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (x === undefined) return /^\d+$/.test(y ?? '') ? -1 : 1;
    if (y === undefined) return /^\d+$/.test(x) ? 1 : -1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? 1 : -1;
    return x.localeCompare(y);
  }
  return 0;
}

/** Newest first, for version pickers and "latest" lookups. */
export function sortVersionsDesc(versions: readonly string[]): string[] {
  return [...versions].sort((a, b) => compareVersions(b, a));
}

async function readLocalVersions(dir: string): Promise<{ published: string[]; downloaded: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const published: string[] = [];
  const downloaded: string[] = [];
  for (const entry of entries) {
    if (entry.isFile() && /^maven-metadata(-[\w.-]+)?\.xml$/.test(entry.name)) {
      published.push(...parseMavenMetadata(await readFile(join(dir, entry.name), 'utf8').catch(() => '')));
    } else if (entry.isDirectory() && VERSION_RE.test(entry.name)) {
      const zip = join(dir, entry.name, `${ARTIFACT_ID}-${entry.name}.zip`);
      if (await stat(zip).then((s) => s.isFile() && s.size > 0, () => false)) downloaded.push(entry.name);
    }
  }
  return { published: published.filter((v) => VERSION_RE.test(v)), downloaded };
}

/** Runs mvn in batch mode from an empty scratch directory, so a pom.xml in the current directory can never take part. */
async function mvn(args: string[], options: MavenOptions): Promise<ToolResult> {
  const scratch = await mkdtemp(join(tmpdir(), 'keyturn-mvn-'));
  try {
    const full = ['-B', '-Dstyle.color=never', ...(options.offline ? ['-o'] : []), ...(options.localRepository ? [`-Dmaven.repo.local=${options.localRepository}`] : []), ...args];
    const onLine = options.onLine;
    return await runTool({
      tool: 'mvn',
      command: 'mvn',
      args: full,
      cwd: scratch,
      ...(onLine ? { onLine: (s: OutputStream, l: string) => onLine(s, stripAnsi(l)) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function fetchError(version: string, result: ToolResult, repo: string, options: MavenOptions): Promise<KeyturnError> {
  const output = stripAnsi(`${result.stdout}\n${result.stderr}`);
  const reason = firstError(result);
  const versionDir = join(repo, ...ARTIFACT_DIR, version);
  if (/offline mode|has not been downloaded from it before/i.test(output)) {
    return new KeyturnError('artifact-failed', `Keycloak ${version} is not in the local Maven repository, and Maven is offline.`, 'Go online, or import the keycloak-quarkus-dist zip into the local repository with `mvn install:install-file` (air-gapped sites).', { reason });
  }
  if (/Could not find artifact|was not found in|not found in .* during a previous attempt/i.test(output)) {
    await forgetMiss(versionDir);
    const nearby = (await readLocalVersions(join(repo, ...ARTIFACT_DIR))).published;
    const suggestions = nearest(version, nearby);
    return new KeyturnError(
      'artifact-failed',
      `Keycloak ${version} is not published in the configured Maven repository (org.keycloak:keycloak-quarkus-dist:${version}:zip was not found).`,
      `Pick a published version from Keyturn's version list, which is refreshed from the same repository${suggestions.length ? ` (nearby: ${suggestions.join(', ')})` : ''}. Not every patch release is published to every mirror.`,
      { reason },
    );
  }
  if (/Could not transfer|UnknownHost|Unknown host|Connection refused|timed out|Network is unreachable|No route to host|PKIX|status code: 40[13]/i.test(output)) {
    return new KeyturnError('artifact-failed', `Cannot download Keycloak ${version}: the Maven repository could not be reached (${reason}).`, 'Check the network, and mirrors, proxies and credentials in ~/.m2/settings.xml; then try again.', { reason });
  }
  const offlineNote = options.offline ? ' (Maven offline mode)' : '';
  return new KeyturnError('artifact-failed', `mvn could not fetch Keycloak ${version}${offlineNote}:\n${tailLines(output, 8)}`, 'Read Maven\'s message above; run the same mvn command with -e for details.', { reason });
}

/** Removes Maven's record of a miss (and the then-empty version directory) so the local repository does not list a version that does not exist. */
async function forgetMiss(versionDir: string): Promise<void> {
  const files = await readdir(versionDir).catch(() => null);
  if (files === null || !files.every((f) => f.endsWith('.lastUpdated'))) return;
  await Promise.all(files.map((f) => rm(join(versionDir, f), { force: true })));
  await rmdir(versionDir).catch(() => undefined);
}

/** Published versions around the requested one: the next lower, the next higher, and the newest patch of the same minor. */
function nearest(version: string, published: readonly string[]): string[] {
  const ascending = sortVersionsDesc([...new Set(published)]).reverse();
  const higher = ascending.findIndex((v) => compareVersions(v, version) > 0);
  const below = higher === -1 ? ascending.at(-1) : ascending[higher - 1];
  const above = higher === -1 ? undefined : ascending[higher];
  const minor = version.split('.').slice(0, 2).join('.');
  const sameMinor = ascending.filter((v) => v.startsWith(`${minor}.`)).at(-1);
  return sortVersionsDesc([...new Set([below, above, sameMinor].filter((v): v is string => v !== undefined))]);
}

function firstError(result: ToolResult): string {
  const line = stripAnsi(`${result.stdout}\n${result.stderr}`).split('\n').find((l) => l.includes('[ERROR]'));
  return (line ?? tailLines(result.stderr, 1) ?? `mvn exited with code ${result.exitCode}`).replace(/^\[ERROR\]\s*/, '').trim() || `mvn exited with code ${result.exitCode}`;
}

function requireVersion(version: string): void {
  if (!VERSION_RE.test(version)) {
    throw new KeyturnError('invalid-input', `"${version}" is not a Keycloak version.`, 'Use a version like 26.7.3.');
  }
}

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}
