/**
 * Seeds a console's ledger with blue/green runs, written by the functions the
 * engine records with (plans, runs, steps, events, colour records, probe
 * samples), so the console shows what a real run leaves behind without a lab:
 *
 * - `acme-bg` (production, 26.5.6 → 26.7.3): a blue/green upgrade paused at
 *   its promotion gate: green built from a verified backup, its views and
 *   smoke checks passed, blue serving; colour records blue active, green building.
 * - `acme-bg-done`: a blue/green upgrade that promoted green: the switch,
 *   the drain, the watch held, blue recorded as hot standby.
 *
 * Addresses are loopback ones outside the lab's (127.0.10.x, 127.0.20.x), so
 * nothing the console probes in the background reaches a lab that may be up.
 * The runs' owner is this test process, so the console (which marks runs of
 * dead owners interrupted at start) keeps the first one paused.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { clusterSpecSchema, type Plan } from '../../shared/contract/index.ts';
import type { ColourDeployment } from '../../shared/contract/colours.ts';
import { explain } from '../../shared/domain/compatibility.ts';
import { planStrategies } from '../../shared/domain/strategy.ts';
import { classifyChange } from '../../shared/domain/versions.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { insertBackup, recordVerification } from '../../electron/ledger/backups-repo.ts';
import { activateColour, ensureActiveColour, recordBuildingColour } from '../../electron/ledger/colours-repo.ts';
import { insertCluster } from '../../electron/ledger/clusters-repo.ts';
import { openLedger, type Ledger } from '../../electron/ledger/open-ledger.ts';
import { insertPlan } from '../../electron/ledger/plans-repo.ts';
import { insertProbeSamples } from '../../electron/ledger/probe-samples-repo.ts';
import { appendEvent, createRun, setRunStatus, setStepStatus } from '../../electron/ledger/runs-repo.ts';
import { ledgerPathIn } from '../../electron/services/paths.ts';
import { colourSpec } from '../../shared/domain/colour-spec.ts';
import { createRedactor } from '../../electron/tools/redact.ts';

const from = '26.5.6';
const to = '26.7.3';
const options = { db: 'postgres', cache: 'ispn' };
const redact = createRedactor([]);
const owner = `${process.pid}@${hostname()}`;

/** What the spec asserts against. */
export interface SeededBlueGreen {
  /** Paused at the gate. */
  gate: { clusterName: string; runId: string; trafficName: string };
  /** Promoted: green active, blue standby. */
  promoted: { clusterName: string; runId: string; trafficName: string; switchedAt: string };
}

const deployment = (colour: 'blue' | 'green', base: number, names: [string, string]): ColourDeployment => ({
  colour,
  source: colour === 'blue' ? 'cluster-file' : 'terraform',
  nodes: names.map((name, i) => ({ name, address: `127.0.${base}.${i + 1}`, sshPort: 22, hostKey: null })),
  database: { address: `127.0.${base}.50`, port: 5432, name: 'keycloak', user: 'keycloak' },
  loadBalancer: { address: `127.0.${base}.100`, port: 8443, runtimeApi: `/run/keyturn/${colour}-haproxy.sock`, backend: 'keycloak' },
  inventory: `/var/lib/keyturn/colours/${colour}/inventory.yml`,
});

/** One cluster with its blue/green plan, as the plan service records them. */
function clusterWithPlan(db: Ledger, name: string, trafficName: string) {
  const spec = clusterSpecSchema.parse(sampleSpec({
    name,
    keycloak: { version: from, options },
    traffic: { kind: 'dns', name: trafficName, server: 'ns1.acme.example', ttl: 1 },
    terraform: { dir: '/srv/terraform/acme' },
    ansible: { inventory: '/srv/ansible/inventory.yml', playbook: '/srv/ansible/keycloak.yml' },
  }));
  const clusterId = insertCluster(db, spec);
  const planRunId = createRun(db, { clusterId, kind: 'plan', fromState: { version: from }, toState: { version: to }, owner, origin: 'console', startedBy: 'alice@console.example' }, [{ kind: 'plan.check', title: 'Check' }]);
  const change = classifyChange(from, to);
  const output = 'The current configuration is incompatible with the new version: keycloak.version changes minor.\n';
  const reasons = explain({ from, to, fromOptions: options, toOptions: options, exitCode: 3, output });
  const strategies = planStrategies({ change, exitCode: 3, verdict: 'recreate', reasons, cluster: { nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns', name: trafficName, ttl: 1 }, terraform: true, ansible: true, stopPlaybook: true, options, environment: 'production' } });
  const plan: Plan = {
    runId: planRunId, cluster: name, from, to,
    change: { kind: change.kind, direction: change.direction, label: change.label },
    options: { from: options, to: options, changed: [] },
    check: { exitCode: 3, verdict: 'recreate', output, durationMs: 5100, scratch: 'warm', command: ['kc.sh', 'update-compatibility', 'check', '--file', '/tmp/meta.json'], metadataSource: 'node', metadataNode: 'n1', metadataTakenAt: new Date().toISOString(), metadataDurationMs: 900 },
    ...strategies, reasons, createdAt: new Date().toISOString(),
  };
  insertPlan(db, clusterId, plan);
  setRunStatus(db, planRunId, 'running', redact);
  setStepStatus(db, planRunId, 0, 'succeeded', redact);
  setRunStatus(db, planRunId, 'succeeded', redact);
  const bg = plan.strategies.find((s) => s.name === 'blue-green');
  if (!bg?.executable) throw new Error(`the seeded plan's blue-green is not executable: ${bg?.executableWhy ?? 'missing'}`);
  return { spec, clusterId, plan, steps: bg.steps };
}

/** A blue/green upgrade run through its promotion gate (steps and events as the engine writes them). */
function runToGate(db: Ledger, c: ReturnType<typeof clusterWithPlan>, startMs: number) {
  const runId = createRun(db, {
    clusterId: c.clusterId, kind: 'upgrade', strategy: 'blue-green', owner, origin: 'console', startedBy: 'alice@console.example',
    fromState: { version: from, options }, toState: { version: to, planRunId: c.plan.runId, canary: false, predictedDowntimeSeconds: 1 },
  }, c.steps.map((s) => ({ kind: s.kind, title: s.title, node: s.node, params: s.params ?? {} })));
  let t = startMs;
  const ev = (kind: string, data: Record<string, unknown>, node: string | null = null, level: 'info' | 'warn' | 'error' = 'info', source: 'engine' | 'probe' = 'engine') =>
    appendEvent(db, { runId, source, node, level, kind, data, at: new Date((t += 1500)).toISOString() }, redact);
  setRunStatus(db, runId, 'running', redact);
  ev('upgrade.decided', { message: `Blue/green ${from} -> ${to} as planned in ${c.plan.runId.slice(0, 8)}`, planRunId: c.plan.runId, strategy: 'blue-green', predictedDowntimeSeconds: 1 });
  for (const n of ['n1', 'n2']) ev('node.state', { node: n, state: 'waiting', message: `${n}: waiting` }, n);
  const done = (kind: string, body: () => void = () => undefined) => {
    const seq = c.steps.findIndex((s) => s.kind === kind);
    setStepStatus(db, runId, seq, 'running', redact);
    body();
    setStepStatus(db, runId, seq, 'succeeded', redact);
  };
  let clonePoint = '';
  done('preflight');
  done('backup.verify', () => {
    const b = insertBackup(db, { clusterId: c.clusterId, runId, path: '/var/backups/acme-bg.dump', format: 'pg_dump-custom', sha256: 'ab'.repeat(32), size: 9_437_184, keycloakVersion: from,
      database: { host: 'db.acme.example', port: 5432, name: 'keycloak', user: 'keycloak', serverVersion: '15.18' }, changelog: { present: true, count: 398, last: null, digest: 'cd'.repeat(32) } });
    recordVerification(db, b.id, { ok: true, at: new Date().toISOString(), realms: 2, changelogRows: 398, changelogMatches: true, durationMs: 3100, error: null });
    clonePoint = b.createdAt;
    ev('backup.clone-point', { message: `Backup ${b.id.slice(0, 8)} verified by a restore (2 realms, 398 change sets); clone point ${b.createdAt}`, backupId: b.id, clonePoint: b.createdAt });
  });
  done('green.provision', () => {
    ensureActiveColour(db, c.clusterId, deployment('blue', 110, ['n1', 'n2']), from);
    recordBuildingColour(db, { clusterId: c.clusterId, deployment: deployment('green', 120, ['g1', 'g2']), version: to, runId, clonePoint });
    for (const n of ['g1', 'g2']) ev('colour.host-key', { message: `${n} presented ssh-ed25519 SHA256:seeded${n}: pinned for this colour`, node: n, fingerprint: `SHA256:seeded${n}` });
    ev('colour.provisioned', { message: 'green exists: g1 127.0.120.1, g2 127.0.120.2; database 127.0.120.50:5432; load balancer 127.0.120.100:8443', colour: 'green' });
  });
  done('green.restore', () => ev('colour.restored', { message: "green's database holds the backup (398 change sets); 2 JGROUPS_PING rows of blue's members removed", restored: true, changeSets: 398, jgroupsRowsCleared: 2 }));
  done('green.install', () => {
    for (const n of ['g1', 'g2']) {
      ev('node.state', { node: n, state: 'installing', message: `Installing Keycloak ${to} on ${n}` }, n);
      ev('node.state', { node: n, state: 'starting', message: 'Waiting for /health/ready' }, n);
      ev('node.state', { node: n, state: 'ready', message: `${n} is ready` }, n);
    }
  });
  done('green.verify', () => {
    ev('colour.view', { message: 'green: one cluster of 2, JGROUPS_PING holds only its own nodes', colour: 'green' });
    ev('colour.view', { message: 'blue: one cluster of 2, JGROUPS_PING holds only its own nodes', colour: 'blue' });
  });
  done('green.smoke', () => {
    for (const check of ['client-credentials', 'password-login', 'refresh', 'userinfo', 'admin-read']) ev('colour.smoke', { message: `${check}: passed`, check, ok: true });
  });
  done('promotion.gate', () => ev('promotion.waiting', { message: `green passed its checks; promote it with keyturn runs resume ${runId} (or "Promote" in the console)` }));
  return { runId, ev, done, at: () => t };
}

/** 20 requests/s of clean probing from `startMs` for `seconds`. */
function probe(db: Ledger, runId: string, startMs: number, seconds: number, address: string) {
  insertProbeSamples(db, runId, Array.from({ length: seconds * 20 }, (_, i) => ({ atMs: startMs + i * 50, ok: true, status: 200, reason: null, latencyMs: 18 + ((i * 7) % 40), address })));
}

/** Records both clusters and runs into `home`'s ledger (closed again on return). */
export function seedBlueGreen(home: string): SeededBlueGreen {
  mkdirSync(home, { recursive: true });
  const db = openLedger(ledgerPathIn(home));
  try {
    // Paused at the gate.
    const a = clusterWithPlan(db, 'acme-bg', 'sso.acme.example');
    const startA = Date.now() - 120_000;
    const gate = runToGate(db, a, startA);
    probe(db, gate.runId, startA, 110, '127.0.110.100');
    setRunStatus(db, gate.runId, 'paused', redact);

    // Promoted: switch, drain, watch, standby recorded.
    const b = clusterWithPlan(db, 'acme-bg-done', 'sso2.acme.example');
    const startB = Date.now() - 300_000;
    const run = runToGate(db, b, startB);
    const switchedAt = new Date(run.at() + 20_000).toISOString();
    run.done('traffic.switch', () => run.ev('traffic.switched', { message: `sso2.acme.example now points at green (127.0.120.100), was 127.0.110.100`, to: 'green', previous: '127.0.110.100', now: '127.0.120.100', at: switchedAt, changed: true }, null, 'warn'));
    run.done('traffic.drain', () => run.ev('traffic.drained', { message: 'All traffic off blue 1.4 s after the switch (31 sessions reached it after the switch)', lastRequestAfterSwitchSeconds: 1.4, sessionsAfterSwitch: 31, stillReceiving: false }));
    run.done('traffic.watch', () => run.ev('traffic.watched', { message: 'Held for 60 s: 0 of 1200 requests failed', held: true, failed: 0, requests: 1200, watchedSeconds: 60 }, null, 'info', 'probe'));
    run.done('standby.record', () => {
      const green = deployment('green', 120, ['g1', 'g2']);
      activateColour(db, b.spec.name, 'green', colourSpec(b.spec, green), run.runId);
      run.ev('standby.recorded', { message: 'green is active (Keycloak 26.7.3); blue is kept as standby', active: 'green', standby: 'blue' });
    });
    probe(db, run.runId, Date.parse(switchedAt) - 60_000, 140, '127.0.110.100');
    setRunStatus(db, run.runId, 'succeeded', redact);

    return {
      gate: { clusterName: a.spec.name, runId: gate.runId, trafficName: 'sso.acme.example' },
      promoted: { clusterName: b.spec.name, runId: run.runId, trafficName: 'sso2.acme.example', switchedAt },
    };
  } finally {
    db.close();
  }
}
