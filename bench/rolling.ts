/**
 * `npm run bench -- rolling [--from 26.7.0] [--to 26.7.3]`: Keyturn's rolling
 * upgrade against a hand-written Ansible rolling playbook, side by side in one
 * run on one lab (`KEYTURN_HOME`, default Keyturn's home; the lab must exist).
 *
 * Baseline: bench/baseline-rolling.yml (serial: 1, copy + unarchive, conf,
 * `kc.sh build`, stop, symlink, start, `wait_for` the HTTP port; no drain, no
 * /health/ready gate, no cluster-join check), with the same prober Keyturn
 * runs (20 req/s, 5 s deadline) started next to it. Keyturn: `keyturn upgrade
 * --cluster lab --to <to> --yes --json`, with its own prober.
 *
 * Sequence: (1) the lab on <from> (rolled back with `keyturn rollback`, or
 * converged with `keyturn lab up --version`, when it is not: not measured);
 * (2) baseline <from> -> <to>; (3) back to <from> with `keyturn rollback`
 * (not measured); (4) Keyturn <from> -> <to>. Before each measured upgrade
 * the target version's unpacked directory and copied zip are removed from
 * every node (the nodes' roots are local directories in the lab), so both
 * pay the same copy + unpack + build, as on a first upgrade to that version.
 *
 * Per node, from the Ansible task events (the baseline's own, Keyturn's from
 * its ledger) and a /health/ready poller on every node (250 ms):
 *   - build: the `kc.sh build` task; graceful stop: the stop task(s);
 *   - start-to-ready: the start task's start to the tool's readiness gate
 *     (baseline: end of its port wait_for; Keyturn: end of wait-ready), and
 *     separately to the first 200 from /health/ready the poller saw;
 *   - unavoidable = build + stop + start-to-ready (gate), as wall-clock time:
 *     the union of those intervals over all nodes, so work that runs on two
 *     nodes at once (Keyturn builds every node in one prepare run) counts
 *     once, and the sum, which equals it when nodes go one at a time;
 *   - overhead per node = (total - unavoidable wall-clock) / nodes;
 *   - out of service (/health/ready not 200) and out of HAProxy rotation
 *     (drained, maintenance or DOWN; runtime API polled every 500 ms).
 * Totals are wall clock of what an operator runs: ansible-playbook for the
 * baseline, the `keyturn upgrade` command (CLI start, plan, backup, verify
 * included) for Keyturn; "rolling part" is the node-by-node section only.
 *
 * Figures are printed and written to test-results/bench-rolling.json; the exit
 * code is non-zero only when something failed to run, never on a figure.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { LabStatus } from '../shared/contract/lab.ts';
import type { ProbeSummary } from '../shared/contract/probe.ts';
import { getRun } from '../electron/ledger/runs-repo.ts';
import { listProbeSamples, type ProbeSample } from '../electron/ledger/probe-samples-repo.ts';
import { keyturnHome } from '../electron/services/paths.ts';
import {
  arg, clearTarget, ensureLabOn, iso, keyturn, labAnsibleConfig, labLb, labNodes, labStatusOf, logger, msf, POLL_MS, ratio, root, sec, sleep, sum, waitSettled, withLedger, type Lb, type LabNode,
} from './lib/lab-bench.ts';
import {
  keyturnPolled, keyturnTaskEvents, runLabPlaybook, spans, startBenchProber, startReadyPoller, transitions, type ReadyPoller, type ReadySample, type Span, type TaskEvent,
} from './lib/lab-measure.ts';

const baselinePlaybook = join(root, 'bench', 'baseline-rolling.yml');
const resultFile = join(root, 'test-results', 'bench-rolling.json');
const OVERHEAD_GOAL_MS = 5000;
const log = logger('rolling');

interface NodeFigures {
  node: string;
  /** The unavoidable intervals of this node: build, stop, start -> readiness gate. */
  unavoidable: [number, number][];
  buildMs: number | null;
  stopMs: number | null;
  startAt: string | null;
  /** Start task's start to the tool's own readiness gate (baseline: port wait_for end; Keyturn: wait-ready end). */
  startToReadyGateMs: number | null;
  /** Start task's start to the first 200 from /health/ready (poller, 250 ms). */
  startToReadyObservedMs: number | null;
  /** First failed /health/ready after the stop began until ready again (the node could not serve). */
  outOfServiceMs: number | null;
  /** Time HAProxy did not send this node new requests (drained, in maintenance or DOWN): capacity lost. */
  outOfRotationMs: number;
  /** Copy + unpack of the zip (same work on both sides, counted as overhead). */
  copyUnpackMs: number | null;
  /** Their intervals, for the wall-clock figure (Keyturn copies to every node at once). */
  copyUnpack: [number, number][];
  /** Ansible tasks that ran (not skipped) for this node, and the time of all of them. */
  tasks: number;
  tasksMs: number;
}

/** Wall-clock time covered by at least one of the intervals. */
function unionMs(intervals: readonly [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur: [number, number] | null = null;
  for (const [s, e] of sorted) {
    if (!cur || s > cur[1]) {
      if (cur) total += cur[1] - cur[0];
      cur = [s, e];
    } else cur[1] = Math.max(cur[1], e);
  }
  return total + (cur ? cur[1] - cur[0] : 0);
}

/** Time covered by samples that were not up (each lasts until the next sample). */
function downTime(samples: readonly ReadySample[]): number {
  let t = 0;
  for (let i = 0; i + 1 < samples.length; i++) if (!samples[i]!.up) t += samples[i + 1]!.at - samples[i]!.at;
  return t;
}

function nodeFigures(node: string, all: readonly Span[], gate: RegExp, samples: readonly ReadySample[], rotation: readonly ReadySample[]): NodeFigures {
  const mine = all.filter((s) => s.host === node && !s.skipped);
  const dur = (re: RegExp) => {
    const hit = mine.filter((s) => re.test(s.task));
    return hit.length ? hit.reduce((a, s) => a + (s.end - s.start), 0) : null;
  };
  const start = mine.find((s) => /^Start Keycloak$/.test(s.task));
  const stop = mine.find((s) => /^Stop /.test(s.task));
  const gateEnd = mine.find((s) => gate.test(s.task))?.end ?? null;
  const readyAt = start ? (samples.find((s) => s.at >= start.start && s.up)?.at ?? null) : null;
  const downAt = stop ? (samples.find((s) => s.at >= stop.start && !s.up)?.at ?? null) : null;
  const unavoidable: [number, number][] = [
    ...mine.filter((s) => /^Build \(kc\.sh build\)$/.test(s.task) || /^Stop /.test(s.task)).map((s): [number, number] => [s.start, s.end]),
    ...(start && gateEnd !== null ? [[start.start, gateEnd] as [number, number]] : []),
  ];
  return {
    node,
    unavoidable,
    buildMs: dur(/^Build \(kc\.sh build\)$/),
    stopMs: dur(/^Stop /),
    startAt: start ? iso(start.start) : null,
    startToReadyGateMs: start && gateEnd !== null ? gateEnd - start.start : null,
    startToReadyObservedMs: start && readyAt !== null ? readyAt - start.start : null,
    outOfServiceMs: downAt !== null && readyAt !== null ? readyAt - downAt : null,
    outOfRotationMs: downTime(rotation),
    copyUnpackMs: dur(/^(Copy the distribution|Unpack)/),
    copyUnpack: mine.filter((s) => /^(Copy the distribution|Unpack)/.test(s.task)).map((s): [number, number] => [s.start, s.end]),
    tasks: mine.length,
    tasksMs: all.filter((s) => s.host === node).reduce((a, s) => a + (s.end - s.start), 0),
  };
}

interface SideFigures {
  tool: 'baseline' | 'keyturn';
  command: string;
  totalMs: number;
  /** The node-by-node part only (first node's first action to the last node's last). */
  rollingMs: number;
  nodes: NodeFigures[];
  sumBuildMs: number | null;
  sumStopMs: number | null;
  sumStartToReadyGateMs: number | null;
  sumStartToReadyObservedMs: number | null;
  sumOutOfServiceMs: number | null;
  sumOutOfRotationMs: number;
  sumCopyUnpackMs: number | null;
  /** The same as wall-clock time (union over nodes), which is what the overhead without it subtracts. */
  copyUnpackWallMs: number | null;
  /** Build + stop + start-to-ready added up over the nodes. */
  sumUnavoidableMs: number | null;
  /** The same as wall-clock time (union of the intervals): what overhead is measured against. */
  unavoidableMs: number | null;
  overheadPerNodeMs: number | null;
  /** Same, counting the real start-to-ready (what the node needed, whether the tool waited or not). */
  overheadPerNodeObservedMs: number | null;
  rollingOverheadPerNodeMs: number | null;
  /** Overhead without copy + unpack of the zip (wall clock; the same transfer on both sides): the tools' own cost. */
  overheadExclCopyPerNodeMs: number | null;
  probe: ProbeSummary;
  /** Where the time went (Keyturn: CLI + plan, preflight, backup, nodes, verify). */
  phases: Record<string, number>;
  /** Every change of a node's /health/ready answer the poller saw. */
  readyTransitions: Record<string, { at: string; up: boolean }[]>;
  /** Every change of HAProxy sending a node new requests (up = in rotation). */
  rotationTransitions: Record<string, { at: string; up: boolean }[]>;
  /** Every Ansible task per host, as timed from its events. */
  tasks: { host: string; task: string; start: string; ms: number; skipped: boolean }[];
  /** Every failed probe request: when it was sent, why, and which tasks were running then. */
  failures: { at: string; reason: string; status: number | null; latencyMs: number; during: string[] }[];
}

function figures(tool: SideFigures['tool'], command: string, totalMs: number, rollingMs: number, nodes: NodeFigures[], probe: ProbeSummary, phases: Record<string, number>, poller: ReadyPoller, sp: readonly Span[], samples: readonly ProbeSample[]): SideFigures {
  const n = nodes.length;
  const sumBuildMs = sum(nodes.map((x) => x.buildMs));
  const sumStopMs = sum(nodes.map((x) => x.stopMs));
  const sumStartToReadyGateMs = sum(nodes.map((x) => x.startToReadyGateMs));
  const sumStartToReadyObservedMs = sum(nodes.map((x) => x.startToReadyObservedMs));
  const sumUnavoidableMs = sum([sumBuildMs, sumStopMs, sumStartToReadyGateMs]);
  const unavoidableMs = sumUnavoidableMs === null ? null : unionMs(nodes.flatMap((x) => x.unavoidable));
  // Observed readiness differs from the gate only in the start-to-ready part.
  const unavoidableObserved = unavoidableMs === null || sumStartToReadyObservedMs === null || sumStartToReadyGateMs === null ? null : unavoidableMs - sumStartToReadyGateMs + sumStartToReadyObservedMs;
  const sumCopyUnpackMs = sum(nodes.map((x) => x.copyUnpackMs));
  const copyUnpackWallMs = sumCopyUnpackMs === null ? null : unionMs(nodes.flatMap((x) => x.copyUnpack));
  return {
    tool, command, totalMs, rollingMs, nodes, sumBuildMs, sumStopMs, sumStartToReadyGateMs, sumStartToReadyObservedMs,
    sumOutOfServiceMs: sum(nodes.map((x) => x.outOfServiceMs)),
    sumOutOfRotationMs: nodes.reduce((a, x) => a + x.outOfRotationMs, 0),
    sumCopyUnpackMs,
    copyUnpackWallMs,
    sumUnavoidableMs,
    unavoidableMs,
    overheadPerNodeMs: unavoidableMs === null ? null : (totalMs - unavoidableMs) / n,
    overheadPerNodeObservedMs: unavoidableObserved === null ? null : (totalMs - unavoidableObserved) / n,
    rollingOverheadPerNodeMs: unavoidableMs === null ? null : (rollingMs - unavoidableMs) / n,
    overheadExclCopyPerNodeMs: unavoidableMs === null || copyUnpackWallMs === null ? null : (totalMs - unavoidableMs - copyUnpackWallMs) / n,
    probe, phases,
    readyTransitions: transitions(poller.samples),
    rotationTransitions: transitions(poller.rotation),
    tasks: sp.map((x) => ({ host: x.host, task: x.task, start: iso(x.start), ms: x.end - x.start, skipped: x.skipped })),
    failures: samples.filter((f) => !f.ok).map((f) => ({
      at: iso(f.atMs), reason: f.reason ?? 'other', status: f.status, latencyMs: f.latencyMs,
      during: sp.filter((x) => !x.skipped && x.start <= f.atMs + f.latencyMs && x.end >= f.atMs).map((x) => `${x.host}: ${x.task}`),
    })),
  };
}

// ---------------------------------------------------------------- the two runs

async function runBaseline(home: string, status: LabStatus, inventory: string, nodes: LabNode[], lb: Lb, to: string): Promise<SideFigures> {
  const poller = startReadyPoller(nodes, lb);
  const prober = startBenchProber(status, 'bench-baseline');
  let events: TaskEvent[];
  let samples: ProbeSample[];
  let probe: ProbeSummary;
  const t0 = Date.now();
  let t1: number;
  try {
    events = await runLabPlaybook(home, { playbook: baselinePlaybook, inventory, version: to, log, label: 'baseline' });
    t1 = Date.now();
    log(`baseline playbook done in ${sec(t1 - t0)}; probing on until every node answers /health/ready`);
    // The playbook ends at an open port: keep measuring until the cluster really serves on every node.
    const sp = spans(events);
    const startOf = (node: string) => {
      const s = sp.find((x) => x.host === node && x.task === 'Start Keycloak');
      if (!s) throw new Error(`no 'Start Keycloak' task of ${node} in the baseline's events`);
      return s.start;
    };
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline && !nodes.every((n) => poller.readySince(n.name, startOf(n.name)))) await sleep(POLL_MS);
  } finally {
    ({ samples, summary: probe } = await prober.stop());
    await poller.stop();
  }
  const sp = spans(events);
  if (sp.length === 0) throw new Error('the baseline playbook reported no task results');
  const nf = nodes.map((n) => nodeFigures(n.name, sp, /^Wait for the HTTP port$/, poller.samples.get(n.name)!, poller.rotation.get(n.name)!));
  const last = Math.max(...sp.map((s) => s.end));
  const first = Math.min(...sp.map((s) => s.start));
  return figures('baseline', `ANSIBLE_CONFIG=${labAnsibleConfig} ansible-playbook -i ${inventory} bench/baseline-rolling.yml -e @<vars>`, t1 - t0, last - first, nf, probe, {
    'ansible-playbook start': first - t0,
    'nodes (first task to last)': last - first,
    'ansible-playbook exit': t1 - last,
  }, poller, sp, samples);
}

async function runKeyturn(home: string, nodes: LabNode[], lb: Lb, to: string): Promise<SideFigures> {
  const { r, out, poller } = await keyturnPolled(home, ['upgrade', '--cluster', 'lab', '--to', to, '--yes', '--json'], nodes, lb);
  const runId = out.run?.id;
  if (r.exitCode !== 0 || out.run?.status !== 'succeeded' || !runId) throw new Error(`keyturn upgrade exited ${r.exitCode}, run ${runId ?? '?'} ${out.run?.status ?? '?'}`);
  if (!out.probe) throw new Error(`run ${runId} has no probe samples`);

  const { run, steps, samples } = withLedger(home, (db) => {
    const { run: summary, steps: all } = getRun(db, runId);
    return {
      samples: listProbeSamples(db, runId),
      run: { created_at: summary.createdAt, started_at: summary.startedAt ?? '', finished_at: summary.finishedAt ?? '' },
      steps: all.map((x) => ({ kind: x.kind, node: x.node, started_at: x.startedAt ?? '', finished_at: x.finishedAt ?? '' })),
    };
  });
  const taskEvents = keyturnTaskEvents(home, runId);
  const sp = spans(taskEvents);
  const nf = nodes.map((n) => nodeFigures(n.name, sp, /^Wait until ready/, poller.samples.get(n.name)!, poller.rotation.get(n.name)!));
  const t = (s: string) => Date.parse(s);
  const step = (kind: string) => steps.filter((s) => s.kind === kind).reduce((a, s) => a + t(s.finished_at) - t(s.started_at), 0);
  // The rolling part starts with the prepare run (every node at once) when the playbook is phased.
  const nodeSteps = steps.filter((s) => s.node !== null || s.kind === 'cluster.prepare');
  const first = Math.min(...nodeSteps.map((s) => t(s.started_at)));
  const last = Math.max(...nodeSteps.map((s) => t(s.finished_at)));
  // Inside node.install, before ansible starts: the zip's sha256 re-check and the extra-vars.
  const installLead = steps.filter((s) => s.kind === 'node.install').reduce((a, s) => {
    const firstTask = sp.filter((x) => x.host === s.node && x.start >= t(s.started_at)).map((x) => x.start);
    return a + (firstTask.length ? Math.min(...firstTask) - t(s.started_at) : 0);
  }, 0);
  return figures('keyturn', `keyturn upgrade --cluster lab --to ${to} --yes --json`, r.endMs - r.startMs, last - first, nf, out.probe, {
    'CLI start + plan (update-compatibility check)': t(run.created_at) - r.startMs,
    preflight: step('preflight'),
    'backup (pg_dump)': step('backup'),
    'nodes (prepare, then drain .. enable)': last - first,
    '  of which prepare (every node at once, serving)': step('cluster.prepare'),
    '  of which drain': step('node.drain'),
    '  of which install before ansible starts': installLead,
    '  of which install playbook': step('node.install') - installLead,
    '  of which ready + joined': step('node.ready') + step('node.joined'),
    '  of which warm-up (tokens straight to node)': step('node.warmup'),
    '  of which enable (until HAProxy says UP)': step('node.enable'),
    verify: step('verify'),
    'CLI exit': r.endMs - t(run.finished_at),
  }, poller, sp, samples);
}

// ---------------------------------------------------------------- report

function printReport(b: SideFigures, k: SideFigures, reproduce: string): void {
  const rows: [string, string, string, string][] = [];
  const row = (label: string, bv: number | null, kv: number | null, fmt: (x: number | null) => string, withRatio = true) => {
    const q = withRatio ? ratio(kv, bv) : null;
    rows.push([label, fmt(bv), fmt(kv), q === null ? '-' : q.toFixed(2)]);
  };
  row('total time (wall clock)', b.totalMs, k.totalMs, sec);
  row('  rolling part only (node by node)', b.rollingMs, k.rollingMs, sec);
  row('sum of build (kc.sh build)', b.sumBuildMs, k.sumBuildMs, sec);
  row('sum of graceful stop', b.sumStopMs, k.sumStopMs, sec);
  row("sum of start-to-ready (tool's gate)", b.sumStartToReadyGateMs, k.sumStartToReadyGateMs, sec);
  row('sum of start-to-ready (observed /health/ready)', b.sumStartToReadyObservedMs, k.sumStartToReadyObservedMs, sec);
  row('sum of node out of service (/health/ready not 200)', b.sumOutOfServiceMs, k.sumOutOfServiceMs, sec);
  row('sum of node out of HAProxy rotation', b.sumOutOfRotationMs, k.sumOutOfRotationMs, sec);
  row('sum of copy + unpack (same zip both sides)', b.sumCopyUnpackMs, k.sumCopyUnpackMs, sec);
  row('copy + unpack, wall clock', b.copyUnpackWallMs, k.copyUnpackWallMs, sec);
  row('unavoidable waits, summed over nodes', b.sumUnavoidableMs, k.sumUnavoidableMs, sec);
  row('unavoidable waits, wall clock (build + stop + start-to-ready)', b.unavoidableMs, k.unavoidableMs, sec);
  row('orchestration overhead per node', b.overheadPerNodeMs, k.overheadPerNodeMs, sec);
  row('  rolling part only', b.rollingOverheadPerNodeMs, k.rollingOverheadPerNodeMs, sec);
  row('  counting observed start-to-ready', b.overheadPerNodeObservedMs, k.overheadPerNodeObservedMs, sec);
  row('  without copy + unpack', b.overheadExclCopyPerNodeMs, k.overheadExclCopyPerNodeMs, sec);
  row('prober requests', b.probe.requests, k.probe.requests, (x) => (x === null ? '-' : String(x)));
  row('prober failures', b.probe.failed, k.probe.failed, (x) => (x === null ? '-' : String(x)), false);
  row('prober p50', b.probe.p50Ms, k.probe.p50Ms, msf);
  row('prober p99', b.probe.p99Ms, k.probe.p99Ms, msf);
  const head: [string, string, string, string] = ['FIGURE', 'BASELINE (ansible serial:1)', 'KEYTURN', 'KEYTURN/BASELINE'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padStart(w[1]!)}  ${r[2]!.padStart(w[2]!)}  ${r[3]!.padStart(w[3]!)}\n`;
  process.stdout.write(`\n${line(head)}`);
  for (const r of rows) process.stdout.write(line(r));
  const reasons = (p: ProbeSummary) => Object.entries(p.failuresByReason).map(([r, c]) => `${r} ${c}`).join(', ') || 'none';
  process.stdout.write(`\nansible config (both sides): ${labAnsibleConfig}; prober: 20 req/s, 5 s deadline, through DNS + HAProxy\n`);
  process.stdout.write(`prober failures by reason: baseline ${reasons(b.probe)}; keyturn ${reasons(k.probe)}\n`);
  for (const side of [b, k]) {
    for (const f of side.failures.slice(0, 10)) process.stdout.write(`  ${side.tool} ${f.at.slice(11, 23)} ${f.reason} after ${Math.round(f.latencyMs)} ms, during ${f.during.join(' + ') || 'no task (between tasks)'}\n`);
    if (side.failures.length > 10) process.stdout.write(`  ${side.tool} ... ${side.failures.length - 10} more in ${resultFile}\n`);
  }

  process.stdout.write('\nPER NODE              build    stop  start-to-ready gate / observed  out of service  out of rotation  copy+unpack  ansible tasks (ran, time)\n');
  for (const side of [b, k]) {
    for (const n of side.nodes) {
      process.stdout.write(`${`${side.tool} ${n.node}`.padEnd(20)} ${sec(n.buildMs).padStart(7)} ${sec(n.stopMs).padStart(7)}  ${sec(n.startToReadyGateMs).padStart(14)} / ${sec(n.startToReadyObservedMs).padStart(8)}  ${sec(n.outOfServiceMs).padStart(14)}  ${sec(n.outOfRotationMs).padStart(15)}  ${sec(n.copyUnpackMs).padStart(11)}  ${String(n.tasks).padStart(3)}, ${sec(n.tasksMs)}\n`);
    }
  }
  process.stdout.write('\nKEYTURN PHASES\n');
  for (const [p, ms] of Object.entries(k.phases)) process.stdout.write(`  ${p.padEnd(46)} ${sec(ms).padStart(8)}\n`);

  const goalFailures = k.probe.failed === 0;
  const goalOverhead = k.overheadPerNodeMs !== null && k.overheadPerNodeMs < OVERHEAD_GOAL_MS;
  const goalRolling = k.rollingOverheadPerNodeMs !== null && k.rollingOverheadPerNodeMs < OVERHEAD_GOAL_MS;
  const goal = (label: string, met: boolean, detail: string) => process.stdout.write(`  ${label.padEnd(46)} ${met ? 'met' : 'NOT met'} (${detail})\n`);
  process.stdout.write('\nGOALS (Keyturn)\n');
  goal('zero prober failures', goalFailures, `${k.probe.failed}; baseline ${b.probe.failed}`);
  goal('overhead under 5 s per node (whole command)', goalOverhead, sec(k.overheadPerNodeMs));
  goal('overhead under 5 s per node (rolling part)', goalRolling, sec(k.rollingOverheadPerNodeMs));
  const goalExclCopy = k.overheadExclCopyPerNodeMs !== null && k.overheadExclCopyPerNodeMs < OVERHEAD_GOAL_MS;
  goal('  the same, without copy + unpack of the zip', goalExclCopy, `${sec(k.overheadExclCopyPerNodeMs)}; baseline ${sec(b.overheadExclCopyPerNodeMs)}`);
  goal('  the baseline, whole command, for comparison', b.overheadPerNodeMs !== null && b.overheadPerNodeMs < OVERHEAD_GOAL_MS, sec(b.overheadPerNodeMs));
  process.stdout.write(`\nreproduce: ${reproduce}\n`);
}

// ---------------------------------------------------------------- main

export async function main(args: string[]): Promise<number> {
  const from = arg(args, 'from', '26.7.0');
  const to = arg(args, 'to', '26.7.3');
  const home = keyturnHome();
  const reproduce = `KEYTURN_HOME=${home} npm run bench -- rolling --from ${from} --to ${to}`;
  const started = new Date().toISOString();
  try {
    log(`${from} -> ${to} on the lab at ${home}; ${cpus().length} CPU(s), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    await ensureLabOn(home, from, 'setup', log, { rollbackArgs: ['rollback', '--cluster', 'lab', '--json'], rebuild: false });
    if (!existsSync(labAnsibleConfig)) throw new Error(`${labAnsibleConfig} is missing`);
    const { inventory, nodes } = await labNodes(home);
    const lb = labLb(home);

    log('baseline: clearing leftovers of the target on the nodes, waiting for the lab to settle');
    await clearTarget(nodes, from, to);
    await waitSettled(lb, nodes);
    const baseline = await runBaseline(home, await labStatusOf(home), inventory, nodes, lb, to);
    const after = await labStatusOf(home);
    const baselineEnd = after.nodes.map((n) => `${n.name}=${n.version ?? '?'}${n.ready ? '' : ' (not ready)'}`).join(' ');
    log(`baseline left: ${baselineEnd}, cluster size ${after.clusterSize ?? '?'}`);
    if (!after.nodes.every((n) => n.version === to)) throw new Error(`the baseline did not put every node on ${to}: ${baselineEnd}`);

    await ensureLabOn(home, from, 'reset', log, { rollbackArgs: ['rollback', '--cluster', 'lab', '--json'], rebuild: false });
    // The wizard's pre-flight (or `keyturn plan`) has run this check before anyone starts an upgrade; it
    // fills the per-version scratch copy kc.sh check runs in (tens of seconds, once per version and home).
    log(`keyturn: keyturn plan --cluster lab --to ${to} (as the wizard's pre-flight does first; not measured)`);
    const planned = await keyturn(home, ['plan', '--cluster', 'lab', '--to', to, '--json'], 10 * 60_000);
    if (planned.exitCode !== 0) throw new Error(`keyturn plan exited ${planned.exitCode}`);
    log('keyturn: clearing leftovers of the target on the nodes, waiting for the lab to settle');
    await clearTarget(nodes, from, to);
    await waitSettled(lb, nodes);
    log(`keyturn: keyturn upgrade --cluster lab --to ${to} --yes --json`);
    const kt = await runKeyturn(home, nodes, lb, to);

    printReport(baseline, kt, reproduce);
    const ratios = {
      totalMs: ratio(kt.totalMs, baseline.totalMs),
      rollingMs: ratio(kt.rollingMs, baseline.rollingMs),
      sumStartToReadyGateMs: ratio(kt.sumStartToReadyGateMs, baseline.sumStartToReadyGateMs),
      sumStartToReadyObservedMs: ratio(kt.sumStartToReadyObservedMs, baseline.sumStartToReadyObservedMs),
      overheadPerNodeMs: ratio(kt.overheadPerNodeMs, baseline.overheadPerNodeMs),
      rollingOverheadPerNodeMs: ratio(kt.rollingOverheadPerNodeMs, baseline.rollingOverheadPerNodeMs),
      overheadExclCopyPerNodeMs: ratio(kt.overheadExclCopyPerNodeMs, baseline.overheadExclCopyPerNodeMs),
      sumOutOfRotationMs: ratio(kt.sumOutOfRotationMs, baseline.sumOutOfRotationMs),
      p50Ms: ratio(kt.probe.p50Ms, baseline.probe.p50Ms),
      p99Ms: ratio(kt.probe.p99Ms, baseline.probe.p99Ms),
    };
    await mkdir(dirname(resultFile), { recursive: true });
    await writeFile(resultFile, `${JSON.stringify({
      bench: 'rolling', from, to, started, finished: new Date().toISOString(), cpus: cpus().length, reproduce, ansibleConfig: labAnsibleConfig,
      definitions: {
        unavoidable: "per node: kc.sh build + graceful stop + start-to-ready (start task's start to the tool's readiness gate); unavoidableMs is the wall-clock union of those intervals over all nodes, sumUnavoidableMs their sum",
        overheadPerNode: '(total - unavoidableMs) / nodes',
        observed: '/health/ready polled every 250 ms on every node; time of the first 200 after the start task began',
      },
      baseline, keyturn: kt, ratios,
      goals: {
        zeroFailures: kt.probe.failed === 0,
        overheadUnder5sPerNode: kt.overheadPerNodeMs !== null && kt.overheadPerNodeMs < OVERHEAD_GOAL_MS,
        rollingOverheadUnder5sPerNode: kt.rollingOverheadPerNodeMs !== null && kt.rollingOverheadPerNodeMs < OVERHEAD_GOAL_MS,
        overheadWithoutCopyUnder5sPerNode: kt.overheadExclCopyPerNodeMs !== null && kt.overheadExclCopyPerNodeMs < OVERHEAD_GOAL_MS,
      },
    }, null, 2)}\n`);
    process.stdout.write(`figures: ${resultFile}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`rolling: ${(err as Error).message}\nreproduce: ${reproduce}\n`);
    return 1;
  }
}
