/**
 * Every exit code the README promises, produced at the CLI by the situation it
 * names: 0 ok, 2 bad input or usage, 3 not found, 4 conflict or busy (a taken
 * name; the cluster lock held the way a running run holds it), 5 a ledger
 * from a newer Keyturn, 6 a program missing from PATH, 7 an operation that
 * failed (a database on a dead port; a run whose step failed), 8 a paused
 * run, 9 an aborted run. The runs are real runs of the real engine: a
 * recorded run resumed with `keyturn runs resume`, its remaining steps
 * executed against dead addresses on 127.0.0.1 (nothing of the lab needed).
 * Exit 1 is left to genuine bugs; no input reaches it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { exitCodeForRun, runExitCodes } from '../../electron/cli/upgrade-commands.ts';
import { getCluster } from '../../electron/ledger/clusters-repo.ts';
import { acquireLock, getLock, releaseLock } from '../../electron/ledger/locks-repo.ts';
import { latestSchemaVersion, migrations } from '../../electron/ledger/migrations.ts';
import { openLedger } from '../../electron/ledger/open-ledger.ts';
import { createRun, setRunControl, getRun, setRunStatus, setStepStatus, type NewStep } from '../../electron/ledger/runs-repo.ts';
import { createRedactor } from '../../electron/tools/redact.ts';
import { keyturnBin, keyturnIn, ledgerDigest, tempDirs } from './cli-harness.ts';
import { sampleSpec } from './spec-factory.ts';

const dirs = tempDirs('keyturn-exit-');
const redact = createRedactor([]);

/** A TCP port that accepts connections and never answers until released: a host that hangs. */
interface Hang {
  port: number;
  connected: Promise<void>;
  release(): void;
  close(): Promise<void>;
}
async function hangingServer(): Promise<Hang> {
  const sockets: Socket[] = [];
  let connected!: () => void;
  const first = new Promise<void>((r) => (connected = r));
  const server: Server = createServer((s) => {
    sockets.push(s);
    connected();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    connected: first,
    release: () => sockets.forEach((s) => s.destroy()),
    close: () => new Promise<void>((r) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => r());
    }),
  };
}

/** A port on 127.0.0.1 nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A one-node cluster on 127.0.0.1 whose SSH, HAProxy runtime API, management port and database are `ports`. */
function clusterFile(dir: string, name: string, ports: { ssh: number; haproxy: number; management: number; db: number }): string {
  const spec = sampleSpec({
    name,
    environment: 'test',
    nodes: [{ name: 'n1', host: '127.0.0.1', port: ports.ssh, user: 'keycloak', managementPort: ports.management }],
    database: { host: '127.0.0.1', port: ports.db, name: 'keycloak', user: 'keycloak' },
    traffic: { kind: 'haproxy', name: 'sso.exit.example', runtimeApi: `127.0.0.1:${ports.haproxy}`, backend: 'keycloak' },
  });
  const f = join(dir, `${name}.yaml`);
  writeFileSync(f, stringify(spec));
  return f;
}

/** Records an upgrade run of `cluster` that stopped (paused) before `pending`, with `done` already completed, as the engine leaves one. */
function pausedRun(home: string, cluster: string, done: NewStep[], pending: NewStep[]): string {
  const db = openLedger(join(home, 'ledger.sqlite'));
  try {
    const id = createRun(db, { clusterId: getCluster(db, cluster).id, kind: 'upgrade', strategy: 'rolling', fromState: { version: '26.7.0' }, toState: { version: '26.7.3' } }, [...done, ...pending]);
    setRunStatus(db, id, 'running', redact);
    done.forEach((_, seq) => setStepStatus(db, id, seq, 'succeeded', redact));
    setRunStatus(db, id, 'paused', redact);
    return id;
  } finally {
    db.close();
  }
}

function runStatus(home: string, id: string): string {
  const db = openLedger(join(home, 'ledger.sqlite'));
  try {
    return getRun(db, id).run.status;
  } finally {
    db.close();
  }
}

let home: string;
let hang: Hang;
let dead: number;

beforeAll(async () => {
  home = dirs.make();
  hang = await hangingServer();
  dead = await deadPort();
  // "dead": every address of this cluster refuses connections at once.
  const f = clusterFile(home, 'dead', { ssh: dead, haproxy: dead, management: dead, db: dead });
  expect((await keyturnIn(home, ['cluster', 'add', '--file', f])).exitCode).toBe(0);
});
afterAll(async () => {
  await hang.close();
  dirs.cleanup();
});

describe('keyturn exit codes', () => {
  it('0: success, and help', async () => {
    const r = await keyturnIn(home, ['cluster', 'list', '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([{ name: 'dead' }]);
    expect((await keyturnIn(home, ['--help'])).exitCode).toBe(0);
    expect((await keyturnIn(home, ['upgrade', '--help'])).exitCode).toBe(0);
  });

  it('2: bad input or usage', async () => {
    expect((await keyturnIn(home, ['frobnicate'])).exitCode).toBe(2);
    expect((await keyturnIn(home, ['cluster', 'add'])).exitCode).toBe(2);
    const noYes = await keyturnIn(home, ['upgrade', '--cluster', 'dead', '--to', '26.7.3']);
    expect(noYes.exitCode).toBe(2);
    expect(noYes.stderr).toMatch(/hint: .*--yes/);
    const badVersion = await keyturnIn(home, ['upgrade', '--cluster', 'dead', '--to', 'latest', '--yes', '--json']);
    expect(badVersion.exitCode).toBe(2);
    expect(JSON.parse(badVersion.stdout)).toMatchObject({ error: { code: 'invalid-input' } });
  });

  it('3: not found', async () => {
    const r = await keyturnIn(home, ['cluster', 'show', 'nope']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/No cluster named 'nope'/);
    expect((await keyturnIn(home, ['runs', 'show', '00000000-0000-4000-8000-000000000000'])).exitCode).toBe(3);
    expect((await keyturnIn(home, ['upgrade', '--cluster', 'nope', '--to', '26.7.3', '--yes'])).exitCode).toBe(3);
  });

  it('4: a cluster name already taken', async () => {
    const f = clusterFile(dirs.make(), 'dead', { ssh: dead, haproxy: dead, management: dead, db: dead });
    const before = ledgerDigest(home);
    const r = await keyturnIn(home, ['cluster', 'add', '--file', f]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/already registered/);
    expect(ledgerDigest(home)).toBe(before);
  });

  it('4: the cluster lock held by a live run refuses an upgrade at once, before any check runs', async () => {
    const db = openLedger(join(home, 'ledger.sqlite'));
    const scope = getCluster(db, 'dead').id;
    // Exactly what a running run does (run-recorder's attachRun): the lock on the cluster id, owned by a live pid@host.
    acquireLock(db, scope, 'run-holding-the-lock', `${process.pid}@${hostname()}`);
    db.close();
    try {
      const r = await keyturnIn(home, ['upgrade', '--cluster', 'dead', '--to', '26.7.3', '--yes']);
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/is busy: run run-holding-the-lock by \d+@.* holds its lock/);
      expect(r.stderr).toMatch(/hint: Wait for that run to finish/);
      // Nothing started: no run was recorded for the refused upgrade.
      const list = JSON.parse((await keyturnIn(home, ['runs', 'list', '--cluster', 'dead', '--json'])).stdout) as unknown[];
      expect(list).toEqual([]);
      // And the cluster cannot be removed under a run either.
      expect((await keyturnIn(home, ['cluster', 'remove', 'dead', '--yes'])).exitCode).toBe(4);
    } finally {
      const db2 = openLedger(join(home, 'ledger.sqlite'));
      releaseLock(db2, scope, 'run-holding-the-lock');
      expect(getLock(db2, scope)).toBeUndefined();
      db2.close();
    }
  });

  it('5: a ledger written by a newer Keyturn is refused and left untouched', async () => {
    const h = dirs.make();
    const future = [...migrations, { version: latestSchemaVersion + 1, name: 'from the future', sql: 'CREATE TABLE future_things (id TEXT PRIMARY KEY)' }];
    openLedger(join(h, 'ledger.sqlite'), { migrations: future }).close();
    const before = ledgerDigest(h);
    const r = await keyturnIn(h, ['cluster', 'list']);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toMatch(/written by a newer Keyturn/);
    expect(ledgerDigest(h)).toBe(before);
  });

  it('6: a required program missing from PATH (psql for a backup)', async () => {
    const r = await keyturnBin(home, ['backup', 'create', '--cluster', 'dead'], { env: { PATH: '/var/empty' }, timeout: 120_000 });
    expect(r.exitCode, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/needs the program "(psql|pg_dump)", which is not installed or not on PATH/);
    expect(r.stderr).toMatch(/hint: Install the Debian package/);
  }, 5 * 60_000);

  it('7: an operation failed (the database is a dead port on 127.0.0.1)', async () => {
    const r = await keyturnIn(home, ['backup', 'create', '--cluster', 'dead', '--json']);
    expect(r.exitCode, r.stdout).toBe(7);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'tool-failed' } });
  });

  it('0: a resumed run whose remaining work is done succeeds', async () => {
    const id = pausedRun(home, 'dead', [{ kind: 'preflight', title: 'Preflight', node: null }], []);
    const r = await keyturnIn(home, ['runs', 'resume', id, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ run: { id, status: 'succeeded' } });
  });

  it('8: a run that pauses (a Pause requested from another terminal) exits 8, and prints the run with --json', async () => {
    const id = pausedRun(home, 'dead', [{ kind: 'preflight', title: 'Preflight', node: null }], [{ kind: 'verify', title: 'Verify', node: null }]);
    // The request is read between steps; preflight allows a pause after it, so the run stops before verify.
    const db = openLedger(join(home, 'ledger.sqlite'));
    setRunControl(db, id, 'pause');
    db.close();
    const r = await keyturnIn(home, ['runs', 'resume', id, '--json']);
    expect(r.exitCode, r.stderr).toBe(8);
    expect(JSON.parse(r.stdout)).toMatchObject({ run: { id, status: 'paused' } });
    expect(r.stderr).toMatch(new RegExp(`Paused\\. Continue with: keyturn runs resume ${id}`));
    expect(runStatus(home, id)).toBe('paused');
  });

  it('7: a run whose step fails exits 7, and still prints the run (with its error) with --json', async () => {
    const id = pausedRun(home, 'dead', [], [{ kind: 'node.drain', title: 'Drain n1', node: 'n1' }]);
    const json = await keyturnIn(home, ['runs', 'resume', id, '--json']);
    expect(json.exitCode, json.stderr).toBe(7);
    const doc = JSON.parse(json.stdout) as { run: { status: string; error: { code: string } | null }; steps: { status: string }[]; error: { code: string; message: string; hint: string } };
    expect(doc.run.status).toBe('failed');
    expect(doc.steps[0]!.status).toBe('failed');
    expect(doc.error.message).toMatch(/127\.0\.0\.1/);
    expect(doc.error.hint.length).toBeGreaterThan(0);
    // In text mode the failure is a message and a hint on stderr, and the run's status on stdout.
    const id2 = pausedRun(home, 'dead', [], [{ kind: 'node.drain', title: 'Drain n1', node: 'n1' }]);
    const text = await keyturnIn(home, ['runs', 'resume', id2]);
    expect(text.exitCode).toBe(7);
    expect(text.stdout).toMatch(new RegExp(`Run ${id2}: failed`));
    expect(text.stderr).toMatch(new RegExp(`keyturn: run ${id2} failed: .*\\n {2}hint: \\S`));
    expect(text.stderr).not.toMatch(/Unexpected failure/);
  });

  it('9: a run aborted while it runs exits 9 (not 0), and prints the run with --json', async () => {
    // "hung": its load balancer and management port accept and never answer, so the resumed run is
    // caught in its reconcile step while `keyturn runs abort` (another command) asks it to stop.
    const h2 = dirs.make();
    const mgmt = await hangingServer();
    try {
      const f = clusterFile(h2, 'hung', { ssh: dead, haproxy: hang.port, management: mgmt.port, db: dead });
      expect((await keyturnIn(h2, ['cluster', 'add', '--file', f])).exitCode).toBe(0);
      const id = pausedRun(h2, 'hung', [{ kind: 'preflight', title: 'Preflight', node: null }], [{ kind: 'node.drain', title: 'Drain n1', node: 'n1' }]);
      const resumed = keyturnIn(h2, ['runs', 'resume', id, '--json']);
      await hang.connected;
      expect(runStatus(h2, id)).toBe('running');
      const abort = await keyturnIn(h2, ['runs', 'abort', id]);
      expect(abort.exitCode, abort.stderr).toBe(0);
      hang.release();
      mgmt.release();
      const r = await resumed;
      expect(r.exitCode, r.stderr).toBe(9);
      expect(JSON.parse(r.stdout)).toMatchObject({ run: { id, status: 'aborted' } });
      expect(r.stderr).toMatch(/Aborted: the cluster is as the completed steps left it/);
      expect(runStatus(h2, id)).toBe('aborted');
    } finally {
      await mgmt.close();
    }
  }, 3 * 60_000);

  it('maps every run status to its code (the table the README documents)', () => {
    expect(runExitCodes).toEqual({ succeeded: 0, failed: 7, paused: 8, aborted: 9 });
    expect(['succeeded', 'failed', 'paused', 'aborted', 'interrupted', 'running'].map(exitCodeForRun)).toEqual([0, 7, 8, 9, 7, 7]);
  });
});
