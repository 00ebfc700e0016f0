/**
 * Which of the programs Keyturn drives are on this machine, in which version,
 * and what each is for.
 *
 * Feeds the toolchain screen and `lab doctor`: an operator should learn that
 * pg_dump is missing *before* an upgrade needs a backup, with the package to
 * install. Detection never throws; a missing program is a status, not an error.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Prerequisite } from '../../shared/contract/lab.ts';
import type { ToolStatus } from '../../shared/contract/toolchain.ts';
import { findExecutable, isExecutable } from './executable.ts';
import { debianPackageFor, runTool } from './process.ts';

/** How to find one program and read its version. */
export interface ToolSpec {
  name: string;
  /** Program name looked up on PATH and in `extraDirs`. */
  command: string;
  versionArgs: string[];
  /** First capture group is the version; defaults to the first dotted number. */
  versionPattern?: RegExp;
  /** Searched after PATH: sbin directories and PostgreSQL's versioned bin directories are often not on a user's PATH. */
  extraDirs?: string[];
  /** Also search /usr/lib/postgresql/<major>/bin, newest first: Debian keeps initdb and pg_ctl there, off PATH. */
  postgresBin?: boolean;
  purpose: string;
  debianPackage?: string | null;
}

/** A JDK installed under /usr/lib/jvm (or another root). */
export interface JdkInfo {
  /** JAVA_HOME of the JDK. */
  home: string;
  javaPath: string;
  /** Full version, e.g. `25.0.3`. */
  version: string;
  major: number;
  vendor: string | null;
}

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];
const JVM_ROOT = '/usr/lib/jvm';
const VERSION_TIMEOUT_MS = 5_000;

/** Every program Keyturn or its lab uses, in the order the toolchain screen lists them. */
export const toolSpecs: readonly ToolSpec[] = [
  { name: 'terraform', command: 'terraform', versionArgs: ['version', '-json'], versionPattern: /"terraform_version"\s*:\s*"([^"]+)"/, purpose: 'creates and destroys the hosts, database, load balancer and DNS records of a cluster' },
  { name: 'ansible-playbook', command: 'ansible-playbook', versionArgs: ['--version'], versionPattern: /core ([\d.]+)/, purpose: 'installs and configures Keycloak on each node' },
  { name: 'ssh', command: 'ssh', versionArgs: ['-V'], versionPattern: /OpenSSH_([\w.]+)/, purpose: 'reaches the Keycloak nodes to stop, start and inspect them' },
  { name: 'sshd', command: 'sshd', versionArgs: ['-V'], versionPattern: /OpenSSH_([\w.]+)/, extraDirs: SBIN, purpose: 'lets the lab nodes accept SSH like real servers' },
  { name: 'java', command: 'java', versionArgs: ['-version'], versionPattern: /version "([^"]+)"/, purpose: 'runs Keycloak and its update-compatibility check' },
  { name: 'pg_dump', command: 'pg_dump', versionArgs: ['--version'], purpose: 'backs up the Keycloak database before any change' },
  { name: 'psql', command: 'psql', versionArgs: ['--version'], purpose: 'checks the database schema and restores backups on rollback' },
  { name: 'initdb', command: 'initdb', versionArgs: ['--version'], postgresBin: true, purpose: 'creates the lab\'s PostgreSQL databases' },
  { name: 'pg_ctl', command: 'pg_ctl', versionArgs: ['--version'], postgresBin: true, purpose: 'starts and stops the lab\'s PostgreSQL servers' },
  { name: 'nsupdate', command: 'nsupdate', versionArgs: ['-V'], purpose: 'switches the DNS name to the new cluster for blue/green upgrades' },
  { name: 'dig', command: 'dig', versionArgs: ['-v'], purpose: 'checks what the DNS name points to before and after a switch' },
  { name: 'haproxy', command: 'haproxy', versionArgs: ['-v'], versionPattern: /version ([\d.]+)/i, extraDirs: SBIN, purpose: 'balances traffic across the nodes and drains a node before it restarts' },
  { name: 'named', command: 'named', versionArgs: ['-v'], versionPattern: /BIND ([\d.]+)/, extraDirs: SBIN, purpose: 'serves the lab\'s DNS zone' },
  { name: 'mvn', command: 'mvn', versionArgs: ['--version'], versionPattern: /Maven ([\d.]+)/, purpose: 'downloads Keycloak server distributions into the local Maven repository' },
  { name: 'unzip', command: 'unzip', versionArgs: ['-v'], versionPattern: /UnZip ([\d.]+)/, purpose: 'unpacks Keycloak distributions on the nodes' },
].map((s: ToolSpec) => ({ ...s, debianPackage: debianPackageFor(s.command) }));

/** The tools the lab cannot be built without (the JDK and the jsonl callback are checked separately). */
const labTools = ['terraform', 'ansible-playbook', 'ssh', 'sshd', 'initdb', 'pg_ctl', 'psql', 'pg_dump', 'haproxy', 'named', 'nsupdate', 'dig', 'mvn', 'unzip'];

async function postgresBinDirs(): Promise<string[]> {
  const majors = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  return majors
    .filter((m) => /^\d+$/.test(m))
    .sort((a, b) => Number(b) - Number(a))
    .map((m) => `/usr/lib/postgresql/${m}/bin`);
}

/** Re-exported: callers look for programs through the toolchain module. */
export { findExecutable };

/** Detects one program: where it is and which version it says it is (a short, time-limited call). */
export async function detectTool(spec: ToolSpec): Promise<ToolStatus> {
  const extra = [...(spec.extraDirs ?? []), ...(spec.postgresBin ? await postgresBinDirs() : [])];
  const path = await findExecutable(spec.command, extra);
  const status: ToolStatus = { name: spec.name, found: path !== null, version: null, path, purpose: spec.purpose, debianPackage: spec.debianPackage ?? null };
  if (path === null) return status;
  try {
    const result = await runTool({ tool: `${spec.name} version check`, command: path, args: spec.versionArgs, timeoutMs: VERSION_TIMEOUT_MS, killGraceMs: 1_000 });
    status.version = parseVersion(`${result.stdout}\n${result.stderr}`, spec.versionPattern);
  } catch {
    // Found but not answering: still reported as found, with an unknown version.
  }
  return status;
}

/** Extracts a version from `--version` output; mvn colours its banner even in batch mode, so ANSI codes are removed first. */
export function parseVersion(output: string, pattern?: RegExp): string | null {
  // eslint-disable-next-line no-control-regex
  const text = output.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
  const match = (pattern ?? /(\d+\.\d+(?:\.\d+)?)/).exec(text);
  return match?.[1] ?? null;
}

/**
 * Status of every program Keyturn uses plus one entry per JDK found under
 * /usr/lib/jvm (`java (temurin-25-jdk-amd64)`), all probed in parallel.
 */
export async function detectToolchain(): Promise<ToolStatus[]> {
  const [tools, jdks] = await Promise.all([Promise.all(toolSpecs.map(detectTool)), listJdks()]);
  const jdkStatuses: ToolStatus[] = jdks.map((jdk) => ({
    name: `java (${jdk.home.slice(jdk.home.lastIndexOf('/') + 1)})`,
    found: true,
    version: jdk.version,
    path: jdk.javaPath,
    purpose: `${jdk.vendor ?? 'JDK'} ${jdk.major}: ${jdk.major >= 21 ? 'can run Keycloak 26' : 'too old for Keycloak 26 (needs 21 or 25)'}`,
    debianPackage: /adoptium|temurin/i.test(`${jdk.vendor ?? ''} ${jdk.home}`) ? `temurin-${jdk.major}-jdk` : `openjdk-${jdk.major}-jre-headless`,
  }));
  return [...tools, ...jdkStatuses];
}

/**
 * JDKs installed under `root`, one per real directory (Debian adds symlink
 * aliases), newest major first. Versions come from each JDK's `release` file,
 * which is instant, instead of starting a JVM per JDK.
 */
export async function listJdks(root = JVM_ROOT): Promise<JdkInfo[]> {
  const entries = await readdir(root).catch(() => [] as string[]);
  const seen = new Set<string>();
  const jdks: JdkInfo[] = [];
  for (const entry of entries.sort()) {
    const home = await realpath(join(root, entry)).catch(() => null);
    if (home === null || seen.has(home)) continue;
    seen.add(home);
    const javaPath = join(home, 'bin', 'java');
    if (!(await isExecutable(javaPath))) continue;
    const release = await readFile(join(home, 'release'), 'utf8').catch(() => '');
    let version = /^JAVA_VERSION="([^"]+)"/m.exec(release)?.[1] ?? null;
    if (version === null) {
      const out = await runTool({ tool: 'java -version', command: javaPath, args: ['-version'], timeoutMs: VERSION_TIMEOUT_MS, killGraceMs: 1_000 }).catch(() => null);
      version = out ? parseVersion(out.stderr, /version "([^"]+)"/) : null;
    }
    if (version === null) continue;
    const vendor = /^IMPLEMENTOR="([^"]+)"/m.exec(release)?.[1] ?? null;
    jdks.push({ home, javaPath, version, major: javaMajor(version), vendor });
  }
  return jdks.sort((a, b) => b.major - a.major);
}

/** `25.0.3` -> 25, `1.8.0_392` -> 8. */
export function javaMajor(version: string): number {
  const [first, second] = version.split(/[.+_-]/);
  return first === '1' ? Number(second) : Number(first);
}

/**
 * The JDK to run Keycloak with: Temurin 25 when installed (supported from
 * Keycloak 26.6 and what the lab is tested on), else another Temurin, else the
 * newest JDK of at least `minMajor`. Null when none qualifies.
 */
export async function findJdk(minMajor: number, root = JVM_ROOT): Promise<JdkInfo | null> {
  const isTemurin = (j: JdkInfo) => /adoptium|temurin/i.test(`${j.vendor ?? ''} ${j.home}`);
  const score = (j: JdkInfo) => (isTemurin(j) && j.major === 25 ? 2 : isTemurin(j) ? 1 : 0);
  const candidates = (await listJdks(root)).filter((j) => j.major >= minMajor);
  candidates.sort((a, b) => score(b) - score(a) || b.major - a.major);
  return candidates[0] ?? null;
}

/** Where Ansible collections live; the jsonl output Keyturn parses comes from `ansible.posix`. */
async function findJsonlCallback(): Promise<string | null> {
  const roots = [join(homedir(), '.ansible/collections'), '/usr/share/ansible/collections', '/usr/lib/python3/dist-packages'];
  for (const root of roots) {
    const file = join(root, 'ansible_collections/ansible/posix/plugins/callback/jsonl.py');
    if (await stat(file).then(() => true, () => false)) return file;
  }
  return null;
}

/**
 * What the test suite needs on top of the lab: Debian's Chromium, which the
 * end-to-end specs drive through playwright-core (its own browser download is
 * not an option offline). `npm test` checks and installs these with the lab's
 * through the same `lab doctor --suite` code, so the two lists cannot drift.
 */
export async function suitePrerequisites(): Promise<Prerequisite[]> {
  const chromium = await findExecutable('chromium', []);
  const pdftoppm = await findExecutable('pdftoppm', []);
  return [
    ...(await labPrerequisites()),
    {
      name: 'chromium',
      found: chromium !== null,
      detail: chromium ?? 'not found on PATH',
      purpose: 'runs the console\'s end-to-end tests (Playwright drives Debian\'s Chromium)',
      debianPackage: 'chromium',
    },
    {
      name: 'pdftoppm',
      found: pdftoppm !== null,
      detail: pdftoppm ?? 'not found on PATH',
      purpose: 'renders the PDF run report back to PNG in the report tests (poppler-utils, with pdftotext)',
      debianPackage: 'poppler-utils',
    },
  ];
}

/**
 * What `lab doctor` checks: the programs the lab uses, the ansible.posix
 * collection (for machine-readable playbook output) and a JDK of 21 or newer.
 */
export async function labPrerequisites(): Promise<Prerequisite[]> {
  const specs = toolSpecs.filter((s) => labTools.includes(s.name));
  const [tools, jdk, callback, allJdks] = await Promise.all([Promise.all(specs.map(detectTool)), findJdk(21), findJsonlCallback(), listJdks()]);
  const prerequisites: Prerequisite[] = tools.map((t) => ({
    name: t.name,
    found: t.found,
    detail: t.found ? `${t.version ?? 'unknown version'} at ${t.path}` : 'not found on PATH or in the usual system directories',
    purpose: t.purpose,
    debianPackage: t.debianPackage,
  }));
  prerequisites.push({
    name: 'ansible.posix collection',
    found: callback !== null,
    detail: callback ?? 'the ansible.posix.jsonl output plugin is not installed',
    purpose: 'gives Keyturn machine-readable playbook progress (host, task, result)',
    debianPackage: 'ansible',
  });
  prerequisites.push({
    name: 'JDK 21 or newer',
    found: jdk !== null,
    detail: jdk
      ? `${jdk.vendor ?? 'JDK'} ${jdk.version} at ${jdk.home}`
      : allJdks.length > 0
        ? `only Java ${allJdks.map((j) => j.major).join(', ')} found in ${JVM_ROOT}; Keycloak 26 needs 21 or 25`
        : `no JDK found in ${JVM_ROOT}`,
    purpose: 'runs the lab\'s Keycloak nodes',
    debianPackage: 'temurin-25-jdk',
  });
  return prerequisites;
}
