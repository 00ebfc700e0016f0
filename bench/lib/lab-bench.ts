/**
 * What every lab benchmark shares (`bench/rolling.ts`, `bench/recreate.ts`):
 * running `keyturn` as an operator does, reading the lab's nodes, load
 * balancer and ledger, putting the lab on a version and waiting until it
 * serves. How they measure is in lab-measure.ts. Kept in one place so both
 * benches prepare the lab the same way.
 */
import { execa } from 'execa';
import { lstat, readFile, readlink, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { ClusterDetail } from '../../shared/contract/index.ts';
import type { LabStatus } from '../../shared/contract/lab.ts';
import { getArtifact } from '../../electron/ledger/artifacts-repo.ts';
import { getCluster } from '../../electron/ledger/clusters-repo.ts';
import { openLedger, type Ledger } from '../../electron/ledger/open-ledger.ts';
import { lastUpgradeRow } from '../../electron/ledger/runs-repo.ts';
import { ledgerPathIn } from '../../electron/services/paths.ts';
import { showServers } from '../../electron/tools/haproxy.ts';
import { checkHealth } from '../../electron/tools/health.ts';
import { fetchDistribution } from '../../electron/tools/maven.ts';

export const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
/**
 * The site's Ansible settings (SSH pipelining, ControlPersist, no -C): the ones
 * Keyturn's run of the lab playbook uses (the ansible.cfg next to it), so a
 * baseline is compared on the same Ansible configuration, not a slower default.
 */
export const labAnsibleConfig = join(root, 'resources', 'lab', 'ansible', 'ansible.cfg');
/** /health/ready poll interval of every node (HAProxy's view: twice that). */
export const POLL_MS = 250;
const SETTLE_MS = 10_000;

// ---------------------------------------------------------------- small helpers

/** `--name value` from a bench's arguments, else `fallback`. */
export function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Progress lines on stderr, prefixed with the bench's name (figures go to stdout). */
export const logger = (bench: string) => (s: string) => process.stderr.write(`${bench}: ${s}\n`);
export const sec = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);
export const msf = (ms: number | null) => (ms === null ? '-' : `${Math.round(ms)} ms`);
export const sum = (xs: readonly (number | null)[]): number | null => (xs.some((x) => x === null) ? null : xs.reduce<number>((a, x) => a + x!, 0));
/** k / b, null when either is unknown or b is 0 (no ratio rather than Infinity). */
export const ratio = (k: number | null, b: number | null) => (k === null || b === null || b === 0 ? null : k / b);
export const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------- keyturn and the lab

export interface KeyturnResult {
  exitCode: number;
  stdout: string;
  startMs: number;
  endMs: number;
}

/** Runs `keyturn <args>` as an operator would; its progress (stderr) is shown indented. */
export async function keyturn(home: string, args: string[], timeoutMs: number): Promise<KeyturnResult> {
  const startMs = Date.now();
  const child = execa(process.execPath, [join(root, 'bin', 'keyturn.js'), ...args], {
    cwd: root, env: { KEYTURN_HOME: home }, reject: false, timeout: timeoutMs, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', maxBuffer: 256 * 1024 * 1024,
  });
  let rest = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) process.stderr.write(`    | ${l}\n`);
  });
  const r = await child;
  if (rest.trim()) process.stderr.write(`    | ${rest}\n`);
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout ?? ''), startMs, endMs: Date.now() };
}

export async function labStatusOf(home: string): Promise<LabStatus> {
  const r = await keyturn(home, ['lab', 'status', '--json'], 120_000);
  if (r.exitCode !== 0) throw new Error(`keyturn lab status exited ${r.exitCode}`);
  return JSON.parse(r.stdout) as LabStatus;
}

/** "n1=26.5.6 n2=26.5.6 (not ready)": the nodes of a lab status in one line. */
export const describeNodes = (s: LabStatus) => s.nodes.map((n) => `${n.name}=${n.version ?? '?'}${n.ready ? '' : ' (not ready)'}`).join(' ');

/** Reads Keyturn's ledger (read-only by default) and always closes it. */
export function withLedger<T>(home: string, fn: (db: Ledger) => T, opts: { readonly?: boolean } = {}): T {
  const db = openLedger(ledgerPathIn(home), { readonly: opts.readonly ?? true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export const labCluster = (home: string): ClusterDetail => withLedger(home, (db) => getCluster(db, 'lab'));

export interface LabNode {
  name: string;
  address: string;
  managementPort: number;
  /** The node's "/" (a directory on this machine in the lab). */
  root: string;
}

export async function labNodes(home: string): Promise<{ inventory: string; nodes: LabNode[] }> {
  const inventory = join(home, 'lab', 'inventory.yml');
  const inv = parseYaml(await readFile(inventory, 'utf8')) as { all?: { children?: { keycloak?: { hosts?: Record<string, { node_address?: string; node_root?: string }> } } } };
  const hosts = inv.all?.children?.keycloak?.hosts ?? {};
  const nodes = labCluster(home).spec.nodes.map((n) => {
    const h = hosts[n.name];
    if (!h?.node_root || !h.node_address) throw new Error(`${inventory} has no node_root/node_address for ${n.name}`);
    return { name: n.name, address: h.node_address, managementPort: n.managementPort, root: h.node_root };
  });
  return { inventory, nodes };
}

/** Last upgrade Keyturn recorded for the lab: what `keyturn rollback` would undo. */
export function lastUpgradeFrom(home: string): string | null {
  return withLedger(home, (db) => {
    const row = lastUpgradeRow(db, getCluster(db, 'lab').id);
    // A run written without a from-state has none (null in the ledger).
    const v = (row?.fromState as Record<string, unknown> | null | undefined)?.['version'];
    return typeof v === 'string' ? v : null;
  });
}

export const ledgerVersion = (home: string) => labCluster(home).spec.keycloak.version;

export interface EnsureOptions {
  /** Arguments of the rollback tried first (a restore rollback needs `--confirm`). */
  rollbackArgs: string[];
  /**
   * `lab down` before `lab up --version`: needed when the schema may be newer
   * than `version` (a minor upgrade migrated it), which only a fresh lab undoes.
   */
  rebuild: boolean;
}

/** Puts the lab on `version`, with the ledger agreeing (not measured). */
export async function ensureLabOn(home: string, version: string, why: string, log: (s: string) => void, o: EnsureOptions): Promise<void> {
  const onIt = (s: LabStatus) => s.state === 'up' && s.nodes.length > 0 && s.nodes.every((n) => n.version === version && n.ready) && ledgerVersion(home) === version;
  let s = await labStatusOf(home);
  if (s.state === 'absent') throw new Error(`no lab at ${home}: run \`KEYTURN_HOME=${home} keyturn lab up --version ${version}\` first`);
  if (onIt(s)) return;
  if (lastUpgradeFrom(home) === version) {
    log(`${why}: keyturn ${o.rollbackArgs.join(' ')} (nodes on ${describeNodes(s)}, ledger ${ledgerVersion(home)}; not measured)`);
    const r = await keyturn(home, o.rollbackArgs, 45 * 60_000);
    if (r.exitCode !== 0) log(`keyturn rollback exited ${r.exitCode}; converging with lab up instead`);
    s = await labStatusOf(home);
    if (onIt(s)) return;
  }
  if (o.rebuild) {
    log(`${why}: keyturn lab down, then lab up --version ${version} (a fresh lab: the only way back from a newer schema without a backup; not measured)`);
    const d = await keyturn(home, ['lab', 'down'], 30 * 60_000);
    if (d.exitCode !== 0) throw new Error(`keyturn lab down exited ${d.exitCode}`);
  } else log(`${why}: keyturn lab up --version ${version} (converges and re-registers; not measured)`);
  const r = await keyturn(home, ['lab', 'up', '--version', version], 60 * 60_000);
  if (r.exitCode !== 0) throw new Error(`keyturn lab up --version ${version} exited ${r.exitCode}`);
  s = await labStatusOf(home);
  if (!onIt(s)) throw new Error(`the lab is not on ${version} after lab up: ${JSON.stringify(s.nodes)} ${s.problems.join('; ')}`);
}

/**
 * Removes the target version's unpacked directory and copied zip from every
 * node, so both measured upgrades start from the same "first upgrade to this
 * version" state. Refuses when the node's keycloak symlink points anywhere but `from`.
 */
export async function clearTarget(nodes: LabNode[], from: string, to: string): Promise<void> {
  for (const n of nodes) {
    const link = join(n.root, 'opt', 'keycloak');
    if (!(await lstat(link)).isSymbolicLink() || basename(await readlink(link)) !== `keycloak-${from}`) throw new Error(`${link} does not point at keycloak-${from}`);
    await rm(join(n.root, 'opt', `keycloak-${to}`), { recursive: true, force: true });
    await rm(join(n.root, 'var', 'cache', 'keycloak-dist', `keycloak-quarkus-dist-${to}.zip`), { force: true });
  }
}

export interface Lb {
  runtimeApi: string;
  backend: string;
}

export function labLb(home: string): Lb {
  const lb = labCluster(home).spec.loadBalancer;
  if (!lb || lb.kind !== 'haproxy') throw new Error('cluster lab has no HAProxy load balancer');
  return { runtimeApi: lb.runtimeApi, backend: lb.backend };
}

/** True when every node answers /health/ready UP and HAProxy has every server enabled and UP. */
export async function labServes(lb: Lb, nodes: LabNode[]): Promise<string[]> {
  const health = await Promise.all(nodes.map((n) => checkHealth({ address: n.address, managementPort: n.managementPort, timeoutMs: 2000 }).catch(() => ({ status: 'unreachable' as const }))));
  const servers = await showServers(lb.runtimeApi, lb.backend).catch(() => null);
  if (!servers) return ['HAProxy runtime API did not answer'];
  return [
    ...nodes.filter((_n, i) => health[i]!.status !== 'UP').map((n) => `${n.name} not ready`),
    ...servers.filter((s) => s.adminState !== 'ready' || s.status !== 'UP').map((s) => `HAProxy ${s.name} ${s.adminState}/${s.status}`),
  ];
}

/** Waits until every node is ready and HAProxy has every server enabled and UP, then lets the lab settle. */
export async function waitSettled(lb: Lb, nodes: LabNode[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const bad = await labServes(lb, nodes);
    if (bad.length === 0) break;
    if (Date.now() > deadline) throw new Error(`the lab did not settle: ${bad.join(', ')}`);
    await sleep(1000);
  }
  await sleep(SETTLE_MS);
}

/** The distribution zip of `version` Keyturn already holds (else the Maven cache, offline). */
export async function distributionZip(home: string, version: string): Promise<string> {
  const zip = withLedger(home, (db) => getArtifact(db, version)?.path ?? null);
  return zip ?? (await fetchDistribution(version, { offline: true }));
}
