/**
 * A real ledger on disk holding what the engine records for two runs, written
 * through the same functions the engine uses (run recorder, plans, backups,
 * probe samples, cluster updates): a finished rolling upgrade 26.7.0 ->
 * 26.7.3 with its plan, backup, node states, probe samples (a few failures),
 * and a recreate still going, in its maintenance window. A secret the
 * writers did not know is planted in an event and in kc.sh's output, as a
 * secret learned after the fact would be.
 */
import { hostname } from 'node:os';
import { clusterSpecSchema, type Plan } from '../../../shared/contract/index.ts';
import { explain } from '../../../shared/domain/compatibility.ts';
import { planStrategies } from '../../../shared/domain/strategy.ts';
import { classifyChange } from '../../../shared/domain/versions.ts';
import { sampleSpec } from '../../../test/unit/spec-factory.ts';
import { insertBackup, recordVerification } from '../../ledger/backups-repo.ts';
import { getCluster, insertCluster, updateCluster } from '../../ledger/clusters-repo.ts';
import { openLedger, type Ledger } from '../../ledger/open-ledger.ts';
import { insertPlan } from '../../ledger/plans-repo.ts';
import { insertProbeSamples, type ProbeSample } from '../../ledger/probe-samples-repo.ts';
import { appendEvent, createRun, setRunStatus, setStepStatus } from '../../ledger/runs-repo.ts';
import { createRedactor } from '../../tools/redact.ts';
import { EventBus } from '../../runs/event-bus.ts';
import { beginRun, type RecorderDeps } from '../../runs/run-recorder.ts';

/** The planted secret, and the environment variable the cluster's db-password reference reads. */
export const plantedSecret = 'Pl4nted-Db-Secret-8k2q';
export const secretEnvName = 'KEYTURN_REPORT_TEST_DB_PASSWORD';

export interface RecordedRuns {
  db: Ledger;
  clusterName: string;
  planRunId: string;
  upgradeRunId: string;
  runningRunId: string;
  backupId: string;
}

const fromOptions = { db: 'postgres', cache: 'ispn', features: 'persistent-user-sessions' };
const toOptions = { ...fromOptions, 'log-level': 'info', features: 'persistent-user-sessions,token-exchange' };

/** 60 s of probing at 10 requests/s from `startMs`: four failures by three reasons, latencies known. */
export function probeSamples(startMs: number, failAt: Record<number, string>, count = 600): ProbeSample[] {
  return Array.from({ length: count }, (_, i) => {
    const reason = failAt[i];
    return { atMs: startMs + i * 100, ok: !reason, status: reason ? (reason === 'maintenance' ? 503 : null) : 200, reason: reason ?? null, latencyMs: reason ? 5000 : 20 + ((i * 7) % 90), address: '127.0.10.100' };
  });
}

/** Records both runs into a ledger at `dbPath` (left open; the caller closes it). */
export async function recordRuns(dbPath: string): Promise<RecordedRuns> {
  const db = openLedger(dbPath);
  const spec = clusterSpecSchema.parse(sampleSpec({
    keycloak: { version: '26.7.0', options: fromOptions, secretOptions: { 'db-password': { env: secretEnvName } } },
  }));
  const clusterId = insertCluster(db, spec);
  const deps: RecorderDeps = { db, bus: new EventBus(), owner: `${process.pid}@${hostname()}`, origin: { via: 'cli', startedBy: 'alice@laptop.example' } };

  // The plan run, as the plan service records it.
  const planRec = beginRun(deps, `plan:${clusterId}`, { clusterId, kind: 'plan', fromState: { version: '26.7.0' }, toState: { version: '26.7.3' } }, [{ kind: 'plan.metadata', title: 'Metadata' }, { kind: 'plan.check', title: 'Check' }, { kind: 'plan.strategies', title: 'Strategies' }]);
  const output = `Checking compatibility with db-password ${plantedSecret}\n[OK] Rolling Update is available.\n`;
  const change = classifyChange('26.7.0', '26.7.3');
  const reasons = explain({ from: '26.7.0', to: '26.7.3', fromOptions, toOptions, exitCode: 0, output });
  const strategies = planStrategies({ change, exitCode: 0, verdict: 'rolling', reasons, cluster: { nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'haproxy', name: 'sso.acme.example' }, terraform: false, ansible: true, stopPlaybook: true, options: toOptions } });
  const plan: Plan = {
    runId: planRec.runId, cluster: spec.name, from: '26.7.0', to: '26.7.3',
    change: { kind: change.kind, direction: change.direction, label: change.label },
    options: { from: fromOptions, to: toOptions, changed: [{ key: 'features', from: fromOptions.features, to: toOptions.features }, { key: 'log-level', from: null, to: 'info' }] },
    check: { exitCode: 0, verdict: 'rolling', output, durationMs: 4200, scratch: 'warm', command: ['kc.sh', 'update-compatibility', 'check', '--file', '/tmp/meta.json'], metadataSource: 'node', metadataNode: 'n1', metadataTakenAt: new Date().toISOString(), metadataDurationMs: 900 },
    ...strategies, reasons, createdAt: new Date().toISOString(),
  };
  for (const seq of [0, 1, 2]) await planRec.step(seq, async () => undefined);
  insertPlan(db, clusterId, plan);
  planRec.succeed();

  // The rolling upgrade, with exactly the plan's steps.
  const rolling = plan.strategies.find((s) => s.name === 'rolling')!;
  const steps = rolling.steps.map((s) => ({ kind: s.kind, title: s.title, node: s.node, params: s.params ?? {} }));
  const rec = beginRun(deps, clusterId, {
    clusterId, kind: 'upgrade', strategy: 'rolling',
    fromState: { version: '26.7.0', options: fromOptions },
    toState: { version: '26.7.3', planRunId: plan.runId, options: toOptions, canary: false, predictedDowntimeSeconds: rolling.downtime.seconds },
  }, steps);
  rec.event('engine', 'upgrade.decided', 'info', { message: 'Rolling 26.7.0 -> 26.7.3 as planned', planRunId: plan.runId });
  let backupId = '';
  const state = (node: string, s: string) => rec.event('engine', 'node.state', 'info', { node, state: s, message: `${node}: ${s}` }, node);
  for (const n of ['n1', 'n2']) state(n, 'waiting');
  for (const [i, s] of steps.entries()) {
    await rec.step(i, async () => {
      if (s.kind === 'backup') {
        const b = insertBackup(db, { clusterId, runId: rec.runId, path: '/var/backups/acme.dump', format: 'pg_dump-custom', sha256: 'ab'.repeat(32), size: 7_340_032, keycloakVersion: '26.7.0',
          database: { host: 'db.acme.example', port: 5432, name: 'keycloak', user: 'keycloak', serverVersion: '15.18', walLsn: '0/3A1F2B8' }, changelog: { present: true, count: 412, last: null, digest: 'cd'.repeat(32) } });
        recordVerification(db, b.id, { ok: true, at: new Date().toISOString(), realms: 2, changelogRows: 412, changelogMatches: true, durationMs: 3100, error: null });
        backupId = b.id;
        rec.event('engine', 'backup.created', 'info', { message: `Backup ${b.id}`, backupId: b.id });
      }
      if (s.node && s.kind === 'node.drain') state(s.node, 'draining');
      if (s.node && s.kind === 'node.install') {
        state(s.node, 'installing');
        rec.event('ansible', 'task.output', 'info', { message: `${s.node}: template rendered for db user keycloak with ${plantedSecret}` }, s.node);
      }
      if (s.node && s.kind === 'node.ready') state(s.node, 'ready');
      if (s.node && s.kind === 'node.enable') state(s.node, 'joined');
      if (s.kind === 'verify') {
        updateCluster(db, spec.name, clusterSpecSchema.parse({ ...getCluster(db, spec.name).spec, keycloak: { ...spec.keycloak, version: '26.7.3', options: toOptions } }));
        rec.event('engine', 'cluster.version', 'info', { message: 'Cluster acme-prod is on Keycloak 26.7.3', version: '26.7.3' });
      }
    });
  }
  insertProbeSamples(db, rec.runId, probeSamples(Date.now() - 60_000, { 250: 'refused', 251: 'refused', 252: 'timeout', 400: 'http-503' }));
  rec.succeed();

  // A recreate still going: maintenance on, every node stopping. Written with the ledger calls the recorder
  // makes (createRun, setRunStatus, setStepStatus) but no recorder, whose lock heartbeat would outlive the test's ledger.
  const redact = createRedactor([]);
  const runningRunId = createRun(db, { clusterId, kind: 'upgrade', strategy: 'recreate', fromState: { version: '26.7.3' }, toState: { version: '26.7.4', predictedDowntimeSeconds: 40 }, owner: deps.owner, origin: 'console', startedBy: 'bob@console.example' }, [
    { kind: 'preflight', title: 'Preflight' }, { kind: 'lb.maintenance', title: 'Maintenance on' }, { kind: 'cluster.stop', title: 'Stop every node' },
    { kind: 'node.install', title: 'Install 26.7.4 on n1', node: 'n1' }, { kind: 'lb.end-maintenance', title: 'Maintenance off', node: 'n1' }, { kind: 'verify', title: 'Verify' },
  ]);
  setRunStatus(db, runningRunId, 'running', redact);
  for (const seq of [0, 1]) {
    setStepStatus(db, runningRunId, seq, 'running', redact);
    setStepStatus(db, runningRunId, seq, 'succeeded', redact);
  }
  setStepStatus(db, runningRunId, 2, 'running', redact);
  appendEvent(db, { runId: runningRunId, source: 'engine', node: 'n1', level: 'info', kind: 'node.state', data: { node: 'n1', state: 'stopping', message: 'n1: stopping' } }, redact);
  const stopStarted = Date.now();
  insertProbeSamples(db, runningRunId, probeSamples(stopStarted - 20_000, { 200: 'maintenance', 210: 'maintenance', 220: 'maintenance' }, 230));
  return { db, clusterName: spec.name, planRunId: plan.runId, upgradeRunId: rec.runId, runningRunId, backupId };
}
