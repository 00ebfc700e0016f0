/**
 * The lab cluster as integration tests see and steer it: its live state
 * (versions, readiness, the load balancer, the recorded version), the state a
 * test file needs at its start (`ensureLabAt`, reached through Keyturn itself:
 * a rollback or an upgrade), and the operator mistakes tests inject (a wrong
 * secret reference), each undone by the function it returns.
 *
 * Why: every file must pass alone, in any order, and twice in a row against a
 * reused lab, so none may rely on the state another file left behind.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { expect } from 'vitest';
import { enableServer, showServers, type HaproxyServer } from '../../electron/tools/haproxy.ts';
import { createServices } from '../../electron/registry/services.ts';
import { keycloakProcess } from '../../electron/engine/steps/node-access.ts';
import { clusterSpecSchema, type SecretRef } from '../../shared/contract/index.ts';
import { keyturn } from './lab-harness.ts';
import { latestRun, withLedger } from './lab-ledger.ts';

export type LabSpec = ReturnType<typeof clusterSpecSchema.parse>;

export const stateDirOf = (home: string): string => join(home, 'lab', 'state');
export const haproxyApiOf = (home: string): string => join(stateDirOf(home), 'haproxy', 'admin.sock');

export interface NodeStatus { name: string; version: string | null; ready: boolean }

/** What `keyturn lab status` sees on the nodes right now. */
export async function labNodes(home: string): Promise<NodeStatus[]> {
  const r = await keyturn(home, ['lab', 'status', '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { nodes: NodeStatus[] }).nodes;
}

export async function labVersions(home: string): Promise<Record<string, string | null>> {
  return Object.fromEntries((await labNodes(home)).map((n) => [n.name, n.version]));
}

/** What Keyturn finds over SSH of each lab node's Keycloak process (the check `node.ready` makes while it waits). */
export async function labProcesses(home: string): Promise<Record<string, string>> {
  const s = createServices({ home, mode: 'cli' });
  try {
    const cluster = s.clusters.get('lab');
    const states = await Promise.all(cluster.spec.nodes.map(async (n) => [n.name, (await keycloakProcess(cluster, n)).state] as const));
    return Object.fromEntries(states);
  } finally {
    s.close();
  }
}

/** The version the ledger records for cluster "lab". */
export function recordedVersion(home: string): string {
  const s = createServices({ home, mode: 'cli' });
  try {
    return s.clusters.get('lab').spec.keycloak.version;
  } finally {
    s.close();
  }
}

export const labServers = (home: string): Promise<HaproxyServer[]> => showServers(haproxyApiOf(home), 'keycloak');

/** Changes the lab cluster's spec in the ledger, as the edit form would. */
export function editLab(home: string, change: (spec: LabSpec) => void): void {
  const s = createServices({ home, mode: 'cli' });
  try {
    const spec = structuredClone(s.clusters.get('lab').spec);
    change(spec);
    s.clusters.update('lab', clusterSpecSchema.parse(spec));
  } finally {
    s.close();
  }
}

/** One secret reference of the lab cluster: how to read it and how to replace it. */
export interface RefSlot {
  get(spec: LabSpec): SecretRef;
  set(spec: LabSpec, ref: SecretRef): void;
}

/**
 * Keycloak's `db-password` option (the database's own password reference
 * stays right, so the backup works): with a wrong one the upgraded node
 * cannot connect and will not start.
 */
export const keycloakDbPassword: RefSlot = {
  get: (spec) => spec.keycloak.secretOptions['db-password']!,
  set: (spec, ref) => { spec.keycloak.secretOptions['db-password'] = ref; },
};

/** The probe client's secret: with a wrong one no token is issued through the public name. */
export const probeClientSecret: RefSlot = {
  get: (spec) => spec.probe!.clientSecretRef,
  set: (spec, ref) => { spec.probe!.clientSecretRef = ref; },
};

/** The database password Keyturn's pg_dump uses (Keycloak's own option stays right). */
export const databasePassword: RefSlot = {
  get: (spec) => spec.database.passwordRef!,
  set: (spec, ref) => { spec.database.passwordRef = ref; },
};

/**
 * Points one secret reference of the lab cluster at a file holding a wrong
 * value, as an operator's typo would. Returns the function that puts the
 * right reference back.
 */
export function wrongLabSecret(home: string, file: string, wrong: string, slot: RefSlot): () => void {
  writeFileSync(file, wrong, { mode: 0o600 });
  let original: SecretRef | undefined;
  editLab(home, (spec) => {
    original = slot.get(spec);
    slot.set(spec, { file });
  });
  return () => editLab(home, (spec) => slot.set(spec, original!));
}

interface OpenRun { id: string; status: string }

/** Upgrades and rollbacks of the lab that are not finished (a crashed test, a paused canary). */
function openRuns(home: string): OpenRun[] {
  return withLedger(home, (db) => db.prepare(`SELECT id, status FROM runs WHERE kind IN ('upgrade', 'rollback') AND status IN ('pending', 'running', 'paused', 'interrupted')`).all() as OpenRun[]);
}

/** Ends every open run: a paused or interrupted one is aborted at once, a running one after its current step. */
async function settleRuns(home: string): Promise<void> {
  // A new Keyturn process marks runs whose owner died as interrupted.
  await keyturn(home, ['runs', 'list', '--json']);
  for (const run of openRuns(home)) {
    const r = await keyturn(home, ['runs', 'abort', run.id]);
    expect(r.exitCode, `runs abort ${run.id}: ${r.stderr}`).toBe(0);
  }
  await until(() => openRuns(home).length === 0, 30 * 60_000, 'every open run of the lab has ended');
}

/** Polls `ok` until it holds (hooks cannot use expect.poll); throws naming what never happened. */
async function until(ok: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`Not within ${timeoutMs / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

interface LabState { versions: Record<string, string | null>; ready: boolean; recorded: string; servers: string[] }

async function labState(home: string): Promise<LabState> {
  const nodes = await labNodes(home);
  const servers = await labServers(home);
  return {
    versions: Object.fromEntries(nodes.map((n) => [n.name, n.version])),
    ready: nodes.every((n) => n.ready),
    recorded: recordedVersion(home),
    servers: servers.map((s) => `${s.name} ${s.adminState} ${s.status}`),
  };
}

const isAt = (s: LabState, version: string) =>
  Object.values(s.versions).every((v) => v === version) && s.ready && s.recorded === version && s.servers.every((l) => / ready UP$/.test(l));

/** The last upgrade Keyturn recorded on the lab: where it came from (a rollback goes back there). */
function lastUpgradeFrom(home: string): string | null {
  const row = withLedger(home, (db) => db.prepare(`SELECT from_state_json FROM runs WHERE kind = 'upgrade' ORDER BY created_at DESC, rowid DESC LIMIT 1`).get() as { from_state_json: string } | undefined);
  return row ? (JSON.parse(row.from_state_json) as { version: string }).version : null;
}

/**
 * Brings the lab's cluster to `version` through Keyturn itself and asserts it:
 * open runs are ended, a node a crashed test left drained is put back, then a
 * rollback (when the last upgrade came from `version`) or an upgrade moves
 * every node there. Costs nothing when the lab already is there.
 */
export async function ensureLabAt(home: string, version: string): Promise<void> {
  await settleRuns(home);
  for (const s of await labServers(home)) if (s.adminState !== 'ready') await enableServer(haproxyApiOf(home), 'keycloak', s.name);
  await until(async () => (await labServers(home)).every((s) => s.status === 'UP'), 300_000, 'HAProxy sees every lab node UP');
  const before = await labState(home);
  if (isAt(before, version)) return;
  const move = lastUpgradeFrom(home) === version
    ? ['rollback', '--cluster', 'lab', '--confirm', '--json']
    : ['upgrade', '--cluster', 'lab', '--to', version, '--yes', '--json'];
  process.stdout.write(`[lab] at ${JSON.stringify(before)}; bringing it to ${version}: keyturn ${move.join(' ')}\n`);
  const r = await keyturn(home, move);
  expect(r.exitCode, `keyturn ${move.join(' ')}: ${r.stderr.slice(-3000)}`).toBe(0);
  const after = await labState(home);
  expect(isAt(after, version), `the lab should be on ${version}: ${JSON.stringify(after)}`).toBe(true);
}

/** `keyturn upgrade ...` as a child process of its own, so a test can steer the run while it executes. */
export function startUpgrade(home: string, args: string[]): ResultPromise<{ reject: false; env: { KEYTURN_HOME: string } }> {
  return execa(process.execPath, [join(process.cwd(), 'bin', 'keyturn.js'), 'upgrade', '--cluster', 'lab', ...args], { env: { KEYTURN_HOME: home }, reject: false });
}

/**
 * Waits until an upgrade run newer than `previous` has reached `until` (its
 * status and steps, from the ledger); fails at once, with the child's output,
 * when the child process ends first.
 */
export async function waitForRun(home: string, child: { exitCode: number | null; stderr?: unknown }, previous: string | undefined,
  until: (run: { id: string; status: string }) => boolean, timeoutMs = 20 * 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const run = latestRun(home, 'upgrade');
    if (run && run.id !== previous && until(run)) return run.id;
    if (child.exitCode !== null) throw new Error(`keyturn upgrade ended (exit ${child.exitCode}) before the run got there`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no upgrade run got there within ${timeoutMs / 1000} s`);
}

/** Every node still on `version`, ready, and in rotation: a run changed nothing that serves. */
export async function expectLabUntouched(home: string, version: string): Promise<void> {
  expect(await labVersions(home)).toEqual({ n1: version, n2: version });
  expect((await labNodes(home)).every((n) => n.ready)).toBe(true);
  expect((await labServers(home)).map((s) => [s.name, s.adminState])).toEqual([['n1', 'ready'], ['n2', 'ready']]);
}

/**
 * A lab freshly built at `version` unless it already is there: the only
 * honest start for a minor upgrade whose way back needs a backup taken on
 * the old minor (a 26.7 schema cannot be taken back to 26.5 by reinstalling).
 */
export async function rebuildLabAt(home: string, version: string): Promise<void> {
  const versions = await labVersions(home);
  if (recordedVersion(home) !== version || Object.values(versions).some((v) => v !== version)) {
    process.stdout.write(`[lab] rebuilding the lab at ${version}\n`);
    const down = await keyturn(home, ['lab', 'down'], { timeoutMs: 20 * 60_000 });
    expect(down.exitCode, down.stderr.slice(-3000)).toBe(0);
    const up = await keyturn(home, ['lab', 'up', '--version', version, '--nodes', '2'], { timeoutMs: 40 * 60_000 });
    expect(up.exitCode, up.stderr.slice(-3000)).toBe(0);
  }
  expect(await labVersions(home)).toEqual({ n1: version, n2: version });
}
