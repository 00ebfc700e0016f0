/**
 * The printed report of `npm run bench -- recreate`: each side's downtime as
 * the shared prober saw it and why requests failed, the first node's
 * start-to-ready (the physical limit), and the two ratios with their goals,
 * so one run's output answers the issue's question on its own.
 */
import { LIMIT_GOAL, type RecreateVerdict, type SideOutage, type StartToReady } from './recreate-figures.ts';
import { sec } from './lab-bench.ts';

/** Everything measured for one side (the JSON result file holds it as is). */
export interface RecreateSide {
  tool: 'baseline' | 'keyturn';
  command: string;
  startAt: string;
  /** Wall clock of the command (ansible-playbook, or `keyturn upgrade` with backup, prepare and verify). */
  totalMs: number;
  outage: SideOutage;
  startToReady: StartToReady | null;
  /** Every change of a node's /health/ready answer in the side's span. */
  readyTransitions: Record<string, { at: string; up: boolean }[]>;
  /** Every change of HAProxy sending a node requests (up = enabled and UP). */
  rotationTransitions: Record<string, { at: string; up: boolean }[]>;
  tasks: { host: string; task: string; start: string; ms: number; skipped: boolean }[];
  /** Keyturn only: its run, its own downtime record (its own prober) and its steps. */
  keyturn: {
    runId: string;
    reported: { predictedSeconds: number | null; measuredSeconds: number | null; maintenanceAnswers: number; otherFailures: Record<string, number>; boundSeconds: number | null } | null;
    steps: { kind: string; node: string | null; startedAt: string | null; ms: number | null }[];
  } | null;
}

const reasons = (o: SideOutage) => [`maintenance ${o.maintenanceAnswers}`, ...Object.entries(o.otherFailures).map(([r, c]) => `${r} ${c}`)].join(', ');
const clock = (at: string | null) => (at ? at.slice(11, 23) : '-');
const q = (x: number | null) => (x === null ? '-' : x.toFixed(2));

export function printRecreateReport(r: { from: string; to: string; baseline: RecreateSide; keyturn: RecreateSide; verdict: RecreateVerdict; reproduce: string }): void {
  const { baseline: b, keyturn: k, verdict: v } = r;
  const rows: [string, string, string][] = [
    ['downtime (prober: first to last failed request)', sec(b.outage.downtimeMs), sec(k.outage.downtimeMs)],
    ['  at most (last ok before .. first ok after)', sec(b.outage.boundMs), sec(k.outage.boundMs)],
    ['  from .. to', `${clock(b.outage.firstFailedAt)} .. ${clock(b.outage.lastFailedAt)}`, `${clock(k.outage.firstFailedAt)} .. ${clock(k.outage.lastFailedAt)}`],
    ['  failed requests (of all in the span)', `${b.outage.failed} of ${b.outage.requests}`, `${k.outage.failed} of ${k.outage.requests}`],
    ['  successes inside the window', String(b.outage.okInside), String(k.outage.okInside)],
    ['first node start-to-ready, migration included', sec(b.startToReady?.ms ?? null), sec(k.startToReady?.ms ?? null)],
    ['  node, start at', b.startToReady ? `${b.startToReady.node}, ${clock(b.startToReady.startAt)}` : '-', k.startToReady ? `${k.startToReady.node}, ${clock(k.startToReady.startAt)}` : '-'],
    ['command wall clock', sec(b.totalMs), sec(k.totalMs)],
  ];
  const head: [string, string, string] = [`RECREATE ${r.from} -> ${r.to}`, 'BASELINE (ansible, full stop)', 'KEYTURN (recreate)'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  const line = (x: string[]) => `${x[0]!.padEnd(w[0]!)}  ${x[1]!.padStart(w[1]!)}  ${x[2]!.padStart(w[2]!)}\n`;
  process.stdout.write(`\n${line(head)}`);
  for (const x of rows) process.stdout.write(line(x));

  process.stdout.write('\nprober: one for both sides (20 req/s, 5 s deadline, token requests through DNS + HAProxy); Keyturn\'s own prober also ran during its side\n');
  process.stdout.write(`failure reasons in the window: baseline ${reasons(b.outage)}; keyturn ${reasons(k.outage)}\n`);
  const rep = k.keyturn?.reported;
  process.stdout.write(rep
    ? `keyturn's own record (its prober): predicted ${rep.predictedSeconds ?? '?'} s, measured ${rep.measuredSeconds ?? '-'} s, at most ${rep.boundSeconds ?? '-'} s (run ${k.keyturn?.runId})\n`
    : `keyturn's own record: no downtime figures in its JSON (run ${k.keyturn?.runId ?? '?'})\n`);
  for (const s of k.keyturn?.steps ?? []) {
    if (['lb.maintenance', 'cluster.stop', 'node.install', 'node.ready', 'node.warmup', 'lb.end-maintenance'].includes(s.kind)) process.stdout.write(`  ${`${s.kind}${s.node ? ` ${s.node}` : ''}`.padEnd(24)} ${clock(s.startedAt)}  ${sec(s.ms).padStart(8)}\n`);
  }

  process.stdout.write(`\nphysical limit of any recreate (first node start-to-ready, the shorter of both sides): ${sec(v.limitMs)}${v.limitFrom ? ` (${v.limitFrom})` : ''}\n`);
  const goal = (label: string, value: number | null, met: boolean, target: string) => process.stdout.write(`  ${label.padEnd(28)} ${q(value).padStart(6)}  goal ${target.padEnd(7)} ${met ? 'met' : 'NOT met'}\n`);
  process.stdout.write(`graceful stop of the old version (longest host, the shorter of both sides): ${sec(v.stopMs)}${v.stopFrom ? ` (${v.stopFrom})` : ''}; floor of a graceful recreate (stop + limit): ${sec(v.floorMs)}\n`);
  process.stdout.write('RATIOS (one run, side by side)\n');
  goal('keyturn downtime / limit', v.keyturnOverLimit, v.withinLimit, `<= ${LIMIT_GOAL}`);
  goal('keyturn downtime / floor', v.keyturnOverFloor, v.withinFloor, `<= ${LIMIT_GOAL}`);
  goal('keyturn / baseline downtime', v.keyturnOverBaseline, v.belowBaseline, '< 1');
  process.stdout.write(`\nreproduce: ${r.reproduce}\n`);
}
