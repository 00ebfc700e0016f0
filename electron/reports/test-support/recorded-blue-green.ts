/**
 * A blue/green upgrade and the switch-back that undid it, recorded into a
 * real ledger through the functions the engine uses (run recorder with its
 * pause and resume, plans, backups, colour records, probe samples), with the
 * events the blue/green steps write (electron/engine/steps/blue-green-steps.ts)
 * carrying the data they carry:
 *
 * - `acme-bg` (production, 26.5.6 -> 26.7.3, DNS traffic): backup verified
 *   (the clone point), green built by Terraform with two pinned host keys,
 *   the clone (398 change sets, 2 JGROUPS_PING rows), both cluster views, five
 *   smoke checks, a manual promotion (paused at the gate, then resumed), the
 *   switch, the drain (blue's last request 2 s after the switch), a watch
 *   that held, blue recorded as standby.
 * - a switch-back rollback of it: traffic back to blue, green kept as standby.
 *
 * The planted secret (recorded-runs.ts) stands in a smoke check's message and
 * a cluster view's message, which the writers did not know to mask.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import { clusterSpecSchema, type Plan } from '../../../shared/contract/index.ts';
import type { ColourDeployment } from '../../../shared/contract/colours.ts';
import { explain } from '../../../shared/domain/compatibility.ts';
import { colourSpec } from '../../../shared/domain/colour-spec.ts';
import { planStrategies } from '../../../shared/domain/strategy.ts';
import { classifyChange } from '../../../shared/domain/versions.ts';
import { sampleSpec } from '../../../test/unit/spec-factory.ts';
import { servingDeployment } from '../../engine/colour-cluster.ts';
import { insertBackup, recordVerification } from '../../ledger/backups-repo.ts';
import { activateColour, ensureActiveColour, liveColour, recordBuildingColour } from '../../ledger/colours-repo.ts';
import { getCluster, insertCluster } from '../../ledger/clusters-repo.ts';
import type { Ledger } from '../../ledger/open-ledger.ts';
import { insertPlan } from '../../ledger/plans-repo.ts';
import { insertProbeSamples } from '../../ledger/probe-samples-repo.ts';
import { getRun } from '../../ledger/runs-repo.ts';
import { EventBus } from '../../runs/event-bus.ts';
import { attachRun, beginRun, type RecorderDeps } from '../../runs/run-recorder.ts';
import { plantedSecret, secretEnvName } from './recorded-runs.ts';

export interface RecordedBlueGreen {
  clusterName: string;
  upgradeRunId: string;
  switchBackRunId: string;
  backupId: string;
  /** The `traffic.switched` times recorded. */
  switchedAt: string;
  switchedBackAt: string;
  /** The fingerprints pinned for green's nodes. */
  fingerprints: Record<string, string>;
}

const from = '26.5.6';
const to = '26.7.3';
const options = { db: 'postgres', cache: 'ispn' };
const blueLb = '127.0.110.100';
const greenLb = '127.0.120.100';
const fingerprints = { g1: 'SHA256:q7Fh2gRr1lZ0mYy4nA3pXo8d6sBkVwJt9cEuHiLfTzM', g2: 'SHA256:W0bN5eKc2xQj7uPa1sYr3mDv8gHlZoTi4fRkJnCyEtU' };

const green: ColourDeployment = {
  colour: 'green',
  source: 'terraform',
  nodes: (['g1', 'g2'] as const).map((name, i) => ({ name, address: `127.0.120.${i + 1}`, sshPort: 22, hostKey: { algorithm: 'ssh-ed25519', fingerprint: fingerprints[name], publicKey: null, pinnedAt: new Date().toISOString() } })),
  database: { address: '127.0.120.50', port: 5432, name: 'keycloak', user: 'keycloak' },
  loadBalancer: { address: greenLb, port: 443, runtimeApi: '/run/keyturn/green-haproxy.sock', backend: 'keycloak' },
  inventory: '/var/lib/keyturn/colours/acme-bg/green/inventory.yml',
};

/** Records the cluster, its plan, the blue/green upgrade and its switch-back into `db` (left open). */
export async function recordBlueGreen(db: Ledger): Promise<RecordedBlueGreen> {
  const spec = clusterSpecSchema.parse(sampleSpec({
    name: 'acme-bg',
    keycloak: { version: from, options, secretOptions: { 'db-password': { env: secretEnvName } } },
    nodes: [{ name: 'n1', host: '127.0.110.1', port: 22, user: 'keycloak' }, { name: 'n2', host: '127.0.110.2', port: 22, user: 'keycloak' }],
    traffic: { kind: 'dns', name: 'sso.acme.example', server: 'ns1.acme.example', ttl: 1 },
    loadBalancer: { kind: 'haproxy', runtimeApi: '/run/keyturn/blue-haproxy.sock', backend: 'keycloak' },
    terraform: { dir: '/srv/terraform/acme' },
    ansible: { inventory: '/srv/ansible/inventory.yml', playbook: '/srv/ansible/keycloak.yml', stopPlaybook: '/srv/ansible/stop.yml' },
  }));
  const clusterId = insertCluster(db, spec);
  const deps: RecorderDeps = { db, bus: new EventBus(), owner: `${process.pid}@${hostname()}`, origin: { via: 'console', startedBy: 'carol@console.example' } };

  // The plan, as the plan service records it: a minor upgrade, kc.sh says 3 (no rolling).
  const planRec = beginRun(deps, `plan:${clusterId}`, { clusterId, kind: 'plan', fromState: { version: from }, toState: { version: to } }, [{ kind: 'plan.check', title: 'Check' }]);
  const change = classifyChange(from, to);
  const output = 'The current configuration is incompatible with the new version: keycloak.version changes minor.\n';
  const reasons = explain({ from, to, fromOptions: options, toOptions: options, exitCode: 3, output });
  const strategies = planStrategies({ change, exitCode: 3, verdict: 'recreate', reasons, cluster: { nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns', name: 'sso.acme.example', ttl: 1 }, terraform: true, ansible: true, stopPlaybook: true, options, environment: 'production' } });
  const plan: Plan = {
    runId: planRec.runId, cluster: spec.name, from, to,
    change: { kind: change.kind, direction: change.direction, label: change.label },
    options: { from: options, to: options, changed: [] },
    check: { exitCode: 3, verdict: 'recreate', output, durationMs: 5100, scratch: 'warm', command: ['kc.sh', 'update-compatibility', 'check', '--file', '/tmp/meta.json'], metadataSource: 'node', metadataNode: 'n1', metadataTakenAt: new Date().toISOString(), metadataDurationMs: 900 },
    ...strategies, reasons, createdAt: new Date().toISOString(),
  };
  await planRec.step(0, async () => undefined);
  insertPlan(db, clusterId, plan);
  planRec.succeed();
  const bg = plan.strategies.find((s) => s.name === 'blue-green');
  if (!bg?.executable) throw new Error(`the recorded plan's blue-green is not executable: ${bg?.executableWhy ?? 'missing'}`);

  // The upgrade, with exactly the plan's steps, up to the promotion gate (manual: production).
  const steps = bg.steps.map((s) => ({ kind: s.kind, title: s.title, node: s.node, params: s.params ?? {} }));
  const seq = (kind: string) => steps.findIndex((s) => s.kind === kind);
  let rec = beginRun(deps, clusterId, {
    clusterId, kind: 'upgrade', strategy: 'blue-green',
    fromState: { version: from, options }, toState: { version: to, planRunId: plan.runId, options, canary: false, predictedDowntimeSeconds: bg.downtime.seconds },
  }, steps);
  const runId = rec.runId;
  rec.event('engine', 'upgrade.decided', 'info', { message: `Blue/green ${from} -> ${to} as planned`, planRunId: plan.runId });
  let backupId = '';
  let clonePoint = '';
  const gate = seq('promotion.gate');
  for (let i = 0; i <= gate; i++) {
    await rec.step(i, async () => {
      switch (steps[i]!.kind) {
        case 'backup.verify': {
          const b = insertBackup(db, { clusterId, runId, path: '/var/backups/acme-bg.dump', format: 'pg_dump-custom', sha256: 'ef'.repeat(32), size: 9_437_184, keycloakVersion: from,
            database: { host: 'db.acme.example', port: 5432, name: 'keycloak', user: 'keycloak', serverVersion: '15.18' }, changelog: { present: true, count: 398, last: null, digest: 'cd'.repeat(32) } });
          recordVerification(db, b.id, { ok: true, at: new Date().toISOString(), realms: 2, changelogRows: 398, changelogMatches: true, durationMs: 3100, error: null });
          backupId = b.id;
          clonePoint = b.createdAt;
          rec.event('engine', 'backup.clone-point', 'info', { message: `Backup ${b.id.slice(0, 8)} verified by a restore (2 realms, 398 change sets); clone point ${b.createdAt}`, backupId: b.id, clonePoint: b.createdAt });
          break;
        }
        case 'green.provision':
          ensureActiveColour(db, clusterId, servingDeployment(getCluster(db, spec.name), 'blue', { address: blueLb, port: 443 }), from);
          for (const n of green.nodes) rec.event('engine', 'colour.host-key', 'info', { message: `${n.name} (${n.address}:22) presented ssh-ed25519 ${n.hostKey!.fingerprint}: pinned for this colour`, node: n.name, fingerprint: n.hostKey!.fingerprint });
          recordBuildingColour(db, { clusterId, deployment: green, version: to, runId, clonePoint });
          rec.event('engine', 'colour.provisioned', 'info', { message: `green exists: g1 127.0.120.1, g2 127.0.120.2; database 127.0.120.50:5432; load balancer ${greenLb}:443`, colour: 'green' });
          break;
        case 'green.restore':
          rec.event('engine', 'colour.restored', 'info', { message: "green's database holds the backup (398 change sets); 2 JGROUPS_PING rows of blue's members removed", restored: true, changeSets: 398, jgroupsRowsCleared: 2, durationMs: 8400 });
          break;
        case 'green.install':
          for (const n of ['g1', 'g2']) for (const state of ['installing', 'starting', 'ready']) rec.event('engine', 'node.state', 'info', { node: n, state, message: `${n}: ${state}` }, n);
          break;
        case 'green.verify':
          rec.event('engine', 'colour.view', 'info', { message: `green: one cluster of 2, JGROUPS_PING holds only its own nodes (admin ${plantedSecret})`, colour: 'green' });
          rec.event('engine', 'colour.view', 'info', { message: 'blue: one cluster of 2, JGROUPS_PING holds only its own nodes', colour: 'blue' });
          break;
        case 'green.smoke':
          for (const check of ['client-credentials', 'password-login', 'refresh', 'userinfo', 'admin-read']) {
            rec.event('engine', 'colour.smoke', 'info', { message: `Passed on green: ${check} check${check === 'password-login' ? ` as alice / ${plantedSecret}` : ''}`, check, ok: true });
          }
          break;
        case 'promotion.gate':
          rec.event('engine', 'promotion.waiting', 'info', { message: `green passed its checks; promote it with keyturn runs resume ${runId} (or "Promote" in the console)` });
          break;
      }
    });
  }
  rec.pause(`Paused before ${steps[gate + 1]!.title}, as requested.`);
  // The operator promotes a moment later: the run is resumed as `keyturn runs resume` does.
  await sleep(30);
  rec = attachRun(deps, clusterId, runId, steps);
  rec.event('engine', 'run.resumed', 'info', { message: 'Resumed: continuing from the first step not completed' });

  let switchedAt = '';
  await rec.step(seq('traffic.switch'), async () => {
    switchedAt = new Date().toISOString();
    rec.event('engine', 'traffic.switched', 'warn', { message: `sso.acme.example now points at green (${greenLb}), was ${blueLb}`, to: 'green', previous: blueLb, now: greenLb, at: switchedAt, changed: true });
  });
  await rec.step(seq('traffic.drain'), async () => {
    rec.event('engine', 'traffic.drained', 'info', { message: 'All traffic off blue 2 s after the switch (31 sessions reached it after the switch)', waitedSeconds: 4.1, sessionsAfterSwitch: 31, lastRequestAfterSwitchSeconds: 2, stillReceiving: false });
  });
  await rec.step(seq('traffic.watch'), async () => {
    rec.event('probe', 'traffic.watched', 'info', { message: 'Held for 20 s: 0 of 400 requests failed', requests: 400, failed: 0, reasons: {}, longestFailureRun: 0, held: true, breach: null, breachedAtMs: null, watchedSeconds: 20 });
  });
  await rec.step(seq('standby.record'), async () => {
    activateColour(db, spec.name, 'green', { ...colourSpec(spec, green), keycloak: { ...colourSpec(spec, green).keycloak, version: to } }, runId);
    rec.event('engine', 'standby.recorded', 'info', { message: 'green is active (Keycloak 26.7.3); blue is kept as standby', active: 'green', standby: 'blue' });
  });
  const switchMs = Date.parse(switchedAt);
  insertProbeSamples(db, runId, Array.from({ length: 600 }, (_, i) => {
    const atMs = switchMs - 30_000 + i * 100;
    return { atMs, ok: true, status: 200, reason: null, latencyMs: 18 + ((i * 7) % 40), address: atMs < switchMs + 2000 ? blueLb : greenLb };
  }));
  rec.succeed();

  // The switch back, as the rollback service records it (mode switch-back, after the switch).
  const back = [
    { kind: 'traffic.switch', title: `Switch sso.acme.example back to blue's load balancer (RFC 2136 DNS update, TTL 1 s)`, node: null, params: { colour: 'blue', serving: 'green', toColour: 'blue', ttl: 1 } },
    { kind: 'traffic.drain', title: 'Green keeps serving clients that still resolve it for 1 s TTL + 10 s grace', node: null, params: { colour: 'blue', serving: 'green', fromColour: 'green', ttl: 1, graceSeconds: 10 } },
    { kind: 'traffic.watch', title: 'Watch sso.acme.example on blue with the prober for 20 s', node: null, params: { colour: 'blue', serving: 'green', watchSeconds: 20, failureThreshold: null, switchBackTo: null } },
    { kind: 'standby.record', title: 'Record blue as active again and green as standby', node: null, params: { colour: 'blue', serving: 'green', active: 'blue', standby: 'green', standbyRole: 'after-switch-back' } },
  ];
  const rb = beginRun(deps, clusterId, { clusterId, kind: 'rollback', strategy: 'switch-back', fromState: { version: to }, toState: { version: from, undoes: runId } }, back);
  rb.event('engine', 'rollback.planned', 'warn', { message: 'Blue kept serving unchanged as the standby: traffic goes back to it.', mode: 'switch-back', lostWriteLines: ['3 users created on green since the switch'] });
  let switchedBackAt = '';
  await rb.step(0, async () => {
    switchedBackAt = new Date().toISOString();
    rb.event('engine', 'traffic.switched', 'warn', { message: `sso.acme.example now points at blue (${blueLb}), was ${greenLb}`, to: 'blue', previous: greenLb, now: blueLb, at: switchedBackAt, changed: true });
  });
  await rb.step(1, async () => rb.event('engine', 'traffic.drained', 'info', { message: 'All traffic off green 1 s after the switch', waitedSeconds: 11.2, sessionsAfterSwitch: 12, lastRequestAfterSwitchSeconds: 1, stillReceiving: false }));
  await rb.step(2, async () => rb.event('probe', 'traffic.watched', 'info', { message: 'Held for 20 s: 0 of 200 requests failed', requests: 200, failed: 0, reasons: {}, longestFailureRun: 0, held: true, breach: null, breachedAtMs: null, watchedSeconds: 20 }));
  await rb.step(3, async () => {
    // As recordStandby does: the cluster record describes the colour made active, from its colour record.
    const blue = liveColour(db, clusterId, 'blue')!.deployment;
    activateColour(db, spec.name, 'blue', { ...colourSpec(spec, blue), keycloak: { ...spec.keycloak, version: from } }, rb.runId);
    rb.event('engine', 'standby.recorded', 'info', { message: 'blue is active again; green is kept as standby', active: 'blue', standby: 'green' });
  });
  rb.succeed();
  if (getRun(db, runId).run.status !== 'succeeded') throw new Error('the recorded blue/green upgrade did not succeed');
  return { clusterName: spec.name, upgradeRunId: runId, switchBackRunId: rb.runId, backupId, switchedAt, switchedBackAt, fingerprints };
}
