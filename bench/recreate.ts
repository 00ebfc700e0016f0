/**
 * `npm run bench -- recreate [--from 26.5.6] [--to 26.7.3]`: Keyturn's recreate
 * of a minor upgrade against a hand-written Ansible full-stop playbook, side
 * by side in one run on one lab (`KEYTURN_HOME`, default Keyturn's home; the
 * lab must exist). The question: how close does Keyturn's downtime come to
 * the physical limit of any recreate, the first node's start-to-ready with
 * the schema migration, and is it below what the usual playbook costs?
 *
 * Baseline: bench/baseline-recreate.yml (every node at once: stop, copy +
 * unpack, conf, `kc.sh build`, symlink, start, `wait_for` the HTTP port).
 * Keyturn: `keyturn upgrade --cluster lab --to <to> --strategy recreate --yes --json`.
 *
 * Sequence: (1) the lab on <from> (a restore rollback, or a fresh `lab down`
 * + `lab up --version <from>` when nothing else brings the schema back; not
 * measured); (2) `keyturn backup create` (the baseline's way back); (3)
 * baseline <from> -> <to>; (4) back: the lab's stop playbook, Keyturn's
 * restore beside the live database (the baseline's migrated database is then
 * pruned), the lab's install playbook with <from> (not measured); (5) Keyturn
 * <from> -> <to>; (6) back: `keyturn rollback --cluster lab --confirm` (a
 * restore rollback; not measured). The lab ends on <from> with a <from>
 * schema; Keyturn's rollback keeps the migrated database under a dated name
 * (`keyturn backup retained --cluster lab`). Before each measured upgrade
 * the target's unpacked directory and copied zip are removed from every node,
 * so both pay the same copy + unpack + build.
 *
 * One availability prober (20 req/s, 5 s deadline, through DNS + HAProxy)
 * and one /health/ready poller (250 ms) run through both measured sides; each
 * side's figures come from its own time span (command start until the lab
 * serves again and has settled). Figures go to stdout and to
 * test-results/bench-recreate.json; the exit code is non-zero only when
 * something failed to run, never on a figure.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { Backup } from '../shared/contract/index.ts';
import { phaseVars } from '../electron/engine/steps/install-options.ts';
import { openLedger } from '../electron/ledger/open-ledger.ts';
import { getRun } from '../electron/ledger/runs-repo.ts';
import { createBackupService } from '../electron/services/backup-service.ts';
import { keyturnHome, ledgerPathIn } from '../electron/services/paths.ts';
import {
  arg, clearTarget, describeNodes, ensureLabOn, keyturn, labAnsibleConfig, labCluster, labLb, labNodes, labStatusOf, logger, root, waitSettled, withLedger, type Lb, type LabNode,
} from './lib/lab-bench.ts';
import { keyturnTaskEvents, runLabPlaybook, spans, startBenchProber, startReadyPoller, transitions, type ReadyPoller, type Span } from './lib/lab-measure.ts';
import { firstStartToReady, gracefulStopMs, recreateVerdict, sideOutage, type NodeStart } from './lib/recreate-figures.ts';
import { printRecreateReport, type RecreateSide } from './lib/recreate-report.ts';

const baselinePlaybook = join(root, 'bench', 'baseline-recreate.yml');
const resultFile = join(root, 'test-results', 'bench-recreate.json');
const log = logger('recreate');
/** After a side's command: until every node is ready and HAProxy has them UP (the baseline's playbook ends at an open port). */
const SERVE_AGAIN_MS = 10 * 60_000;

/** Keyturn's JSON answer of `keyturn upgrade --json`, the parts the bench reads. */
interface UpgradeJson {
  run?: { id?: string; status?: string };
  downtime?: { predictedSeconds: number | null; measuredSeconds: number | null; maintenanceAnswers: number; otherFailures: Record<string, number>; boundSeconds: number | null };
}

/** Node starts from the Ansible spans of a side: the task that starts the Keycloak process. */
const startTasks = (sp: readonly Span[]): NodeStart[] => sp.filter((s) => !s.skipped && s.task === 'Start Keycloak').map((s) => ({ node: s.host, at: s.start }));

/** The figures of one side from the shared prober and poller, over [startMs, settledMs]. */
function sideFigures(tool: RecreateSide['tool'], command: string, t: { startMs: number; endMs: number; settledMs: number }, sp: Span[], starts: NodeStart[], poller: ReadyPoller, samples: Parameters<typeof sideOutage>[0]): RecreateSide {
  const inSpan = new Map([...poller.samples].map(([n, list]) => [n, list.filter((s) => s.at >= t.startMs && s.at <= t.settledMs)]));
  return {
    tool, command, startAt: new Date(t.startMs).toISOString(), totalMs: t.endMs - t.startMs,
    outage: sideOutage(samples, t.startMs, t.settledMs),
    startToReady: firstStartToReady(starts, inSpan),
    readyTransitions: transitions(poller.samples, t.startMs, t.settledMs),
    rotationTransitions: transitions(poller.rotation, t.startMs, t.settledMs),
    tasks: sp.map((x) => ({ host: x.host, task: x.task, start: new Date(x.start).toISOString(), ms: x.end - x.start, skipped: x.skipped })),
    keyturn: null,
  };
}

async function runBaseline(home: string, inventory: string, nodes: LabNode[], lb: Lb, to: string) {
  const startMs = Date.now();
  const events = await runLabPlaybook(home, { playbook: baselinePlaybook, inventory, version: to, log, label: 'baseline' });
  const endMs = Date.now();
  log('baseline playbook done; probing on until every node is ready and HAProxy has them UP');
  await waitSettled(lb, nodes, SERVE_AGAIN_MS);
  const sp = spans(events);
  if (sp.length === 0) throw new Error('the baseline playbook reported no task results');
  return { t: { startMs, endMs, settledMs: Date.now() }, sp, starts: startTasks(sp) };
}

/**
 * The baseline's way back (not measured): its 26.7 start migrated the schema,
 * so stop every node with the lab's stop playbook, restore the backup taken
 * before it beside the live database (Keyturn's restore: nothing half-done),
 * drop the migrated copy (the baseline's, of no forensic use), and start
 * <from> with the lab's install playbook, one node after the other.
 */
async function baselineWayBack(home: string, inventory: string, nodes: LabNode[], lb: Lb, from: string, backup: Backup): Promise<void> {
  const ansible = labCluster(home).spec.ansible;
  if (!ansible?.stopPlaybook) throw new Error('cluster lab has no ansible.stopPlaybook');
  log('baseline way back: stop every node (the lab\'s stop playbook; not measured)');
  await runLabPlaybook(home, { playbook: ansible.stopPlaybook, inventory, version: from, log, label: 'way back', varsFor: () => ({}) });
  log(`baseline way back: restore backup ${backup.id.slice(0, 8)} beside the live database, then swap`);
  const db = openLedger(ledgerPathIn(home));
  let keptAs: string;
  try {
    keptAs = (await createBackupService({ db, home }).restoreBeside(backup.id)).keptAs;
  } finally {
    db.close();
  }
  const pruned = await keyturn(home, ['backup', 'prune', '--cluster', 'lab', '--name', keptAs, '--confirm', '--json'], 10 * 60_000);
  if (pruned.exitCode !== 0) log(`keyturn backup prune --name ${keptAs} exited ${pruned.exitCode}: the baseline's migrated database stays (keyturn backup retained --cluster lab)`);
  log(`baseline way back: start ${from} with the lab's install playbook`);
  await runLabPlaybook(home, { playbook: ansible.playbook, inventory, version: from, log, label: 'way back', varsFor: (v) => phaseVars(v, 'all', false) });
  await waitSettled(lb, nodes, SERVE_AGAIN_MS);
  const s = await labStatusOf(home);
  if (!s.nodes.every((n) => n.version === from && n.ready)) throw new Error(`the baseline's way back did not bring ${from} back: ${describeNodes(s)}`);
}

async function runKeyturn(home: string, nodes: LabNode[], lb: Lb, to: string) {
  const r = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', to, '--strategy', 'recreate', '--yes', '--json'], 45 * 60_000);
  let out: UpgradeJson;
  try {
    out = JSON.parse(r.stdout) as UpgradeJson;
  } catch {
    throw new Error(`keyturn upgrade exited ${r.exitCode} without a JSON result`);
  }
  const runId = out.run?.id;
  if (r.exitCode !== 0 || out.run?.status !== 'succeeded' || !runId) throw new Error(`keyturn upgrade exited ${r.exitCode}, run ${runId ?? '?'} ${out.run?.status ?? '?'}`);
  await waitSettled(lb, nodes, SERVE_AGAIN_MS);
  const settledMs = Date.now();
  const steps = withLedger(home, (db) => getRun(db, runId).steps);
  const sp = spans(keyturnTaskEvents(home, runId));
  // The playbook's start task; where a node has none, the engine's step that starts it.
  const starts = startTasks(sp);
  for (const s of steps) {
    if (s.kind === 'node.install' && s.node && s.startedAt && !starts.some((x) => x.node === s.node)) starts.push({ node: s.node, at: Date.parse(s.startedAt) });
  }
  const stepFigures = steps.map((s) => ({ kind: s.kind, node: s.node, startedAt: s.startedAt, ms: s.startedAt && s.finishedAt ? Date.parse(s.finishedAt) - Date.parse(s.startedAt) : null }));
  return { t: { startMs: r.startMs, endMs: r.endMs, settledMs }, sp, starts, runId, reported: out.downtime ?? null, steps: stepFigures };
}

export async function main(args: string[]): Promise<number> {
  const from = arg(args, 'from', '26.5.6');
  const to = arg(args, 'to', '26.7.3');
  const home = keyturnHome();
  const reproduce = `KEYTURN_HOME=${home} npm run bench -- recreate --from ${from} --to ${to}`;
  const started = new Date().toISOString();
  const restoreRollback = ['rollback', '--cluster', 'lab', '--confirm', '--json'];
  /** Set once the bench starts changing the lab: a failure after it may leave the lab between versions. */
  let changing = false;
  try {
    log(`${from} -> ${to} on the lab at ${home}; ${cpus().length} CPU(s), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    if (!existsSync(labAnsibleConfig)) throw new Error(`${labAnsibleConfig} is missing`);
    await ensureLabOn(home, from, 'setup', log, { rollbackArgs: restoreRollback, rebuild: true });
    const { inventory, nodes } = await labNodes(home);
    const lb = labLb(home);
    // The wizard's pre-flight (or `keyturn plan`) runs this check before anyone upgrades; it also fills kc.sh check's scratch copy.
    log(`keyturn plan --cluster lab --to ${to} (as the wizard's pre-flight does first; not measured)`);
    const planned = await keyturn(home, ['plan', '--cluster', 'lab', '--to', to, '--json'], 15 * 60_000);
    if (planned.exitCode !== 0) throw new Error(`keyturn plan exited ${planned.exitCode}`);
    const recreate = (JSON.parse(planned.stdout) as { strategies?: { name: string; executable: boolean; executableWhy?: string }[] }).strategies?.find((s) => s.name === 'recreate');
    if (!recreate?.executable) throw new Error(`keyturn plan does not offer recreate for ${from} -> ${to}: ${recreate?.executableWhy ?? 'no such strategy'}`);

    log('keyturn backup create --cluster lab (the baseline\'s way back; not measured)');
    const b = await keyturn(home, ['backup', 'create', '--cluster', 'lab', '--json'], 15 * 60_000);
    if (b.exitCode !== 0) throw new Error(`keyturn backup create exited ${b.exitCode}`);
    const backup = JSON.parse(b.stdout) as Backup;

    changing = true;
    const poller = startReadyPoller(nodes, lb);
    const prober = startBenchProber(await labStatusOf(home), 'bench-recreate', 4 * 3_600_000);
    let base: Awaited<ReturnType<typeof runBaseline>>;
    let kt: Awaited<ReturnType<typeof runKeyturn>>;
    let samples: Awaited<ReturnType<typeof prober.stop>>['samples'];
    try {
      log('baseline: clearing leftovers of the target on the nodes, waiting for the lab to settle');
      await clearTarget(nodes, from, to);
      await waitSettled(lb, nodes);
      log(`baseline: ansible-playbook bench/baseline-recreate.yml (${from} -> ${to}, every node at once)`);
      base = await runBaseline(home, inventory, nodes, lb, to);
      await baselineWayBack(home, inventory, nodes, lb, from, backup);

      log('keyturn: clearing leftovers of the target on the nodes, waiting for the lab to settle');
      await clearTarget(nodes, from, to);
      await waitSettled(lb, nodes);
      log(`keyturn: keyturn upgrade --cluster lab --to ${to} --strategy recreate --yes --json`);
      kt = await runKeyturn(home, nodes, lb, to);
    } finally {
      samples = (await prober.stop()).samples;
      await poller.stop();
    }

    const baseline = sideFigures('baseline', `ANSIBLE_CONFIG=${labAnsibleConfig} ansible-playbook -i ${inventory} bench/baseline-recreate.yml -e @<install vars of ${to}>`, base.t, base.sp, base.starts, poller, samples);
    const keyturnSide: RecreateSide = {
      ...sideFigures('keyturn', `keyturn upgrade --cluster lab --to ${to} --strategy recreate --yes --json`, kt.t, kt.sp, kt.starts, poller, samples),
      keyturn: { runId: kt.runId, reported: kt.reported, steps: kt.steps },
    };
    // The same supervisor stop on both sides: the baseline's own task, and the lab stop playbook's that Keyturn runs.
    const stops = { keyturn: gracefulStopMs(kt.sp, /^Stop the running Keycloak/), baseline: gracefulStopMs(base.sp, /^Stop Keycloak$/) };
    const verdict = recreateVerdict(keyturnSide.outage.downtimeMs, baseline.outage.downtimeMs, keyturnSide.startToReady, baseline.startToReady, stops);
    printRecreateReport({ from, to, baseline, keyturn: keyturnSide, verdict, reproduce });

    log(`way back: keyturn ${restoreRollback.join(' ')} (a restore rollback; not measured)`);
    const back = await keyturn(home, restoreRollback, 45 * 60_000);
    const end = await labStatusOf(home);
    const labLeft = back.exitCode === 0
      ? `on ${from} (${describeNodes(end)}) with the ${from} schema restored by keyturn rollback; the migrated database is kept under a dated name (keyturn backup retained --cluster lab)`
      : `keyturn rollback exited ${back.exitCode}: ${describeNodes(end)}; the next run converges it (restore rollback, or lab down + lab up --version ${from})`;
    process.stdout.write(`lab left: ${labLeft}\n`);

    await mkdir(dirname(resultFile), { recursive: true });
    await writeFile(resultFile, `${JSON.stringify({
      bench: 'recreate', from, to, started, finished: new Date().toISOString(), cpus: cpus().length, reproduce, ansibleConfig: labAnsibleConfig,
      definitions: {
        downtime: 'one shared prober (20 req/s, 5 s deadline, token requests through sso.lab.test and HAProxy): start of the first to start of the last failed request in the side\'s span, as Keyturn\'s downtime.measuredSeconds',
        bound: 'last successful request before the first failure to the first successful one after the last: the longest the outage can have been',
        startToReady: 'earliest Keycloak start task (Keyturn: its playbook\'s, else its node.install step) to the first /health/ready UP (250 ms poll) of a started node: the migration included',
        limit: 'the shorter of the two sides\' first start-to-ready: the physical limit of any recreate',
        stop: 'the longest host\'s graceful stop task (kc-supervisor stop: SIGTERM until the JVM exited), the shorter of the two sides\'',
        floor: 'stop + limit: what no recreate that stops the old version gracefully can go below',
      },
      baseline, keyturn: keyturnSide, verdict, labLeft,
    }, null, 2)}\n`);
    process.stdout.write(`figures: ${resultFile}\n`);
    return back.exitCode === 0 ? 0 : 1;
  } catch (err) {
    const lab = changing ? `the lab may be left between versions: the next run converges it first (restore rollback, or lab down + lab up --version ${from})\n` : '';
    process.stderr.write(`recreate: ${(err as Error).message}\n${lab}reproduce: ${reproduce}\n`);
    return 1;
  }
}
