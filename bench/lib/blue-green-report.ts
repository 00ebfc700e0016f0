/**
 * The printed report of `npm run bench -- blue-green`: the same minor upgrade
 * the recreate way and the blue/green way, side by side, as one shared prober
 * saw each (failed requests, downtime, total time), when the last request
 * reached blue after the switch (blue's HAProxy counters and the prober's
 * view), and the issue's two goals as statements, so one run's output
 * answers the question on its own.
 */
import type { ProbeSummary } from '../../shared/contract/probe.ts';
import { sec } from './lab-bench.ts';
import type { BlueGreenGoals, ClientDrain, DrainFigures, SwitchFigures } from './blue-green-figures.ts';
import type { SideOutage } from './recreate-figures.ts';

/** Everything measured for one side (the JSON result file holds it as is). */
export interface BlueGreenSide {
  strategy: 'recreate' | 'blue-green';
  command: string;
  runId: string;
  startAt: string;
  /** Wall clock of `keyturn upgrade` (planning, backup, the upgrade; blue/green: also the drain and the watch window). */
  totalMs: number;
  /** End of the side's span: the active colour served again and settled after the command. */
  spanEndAt: string;
  outage: SideOutage;
  /** Keyturn's own prober during its run (summary from its JSON). */
  keyturnProbe: Pick<ProbeSummary, 'requests' | 'failed' | 'failuresByReason'> | null;
  /** Blue/green only: the switch, the drain by blue's counters, and the prober's view of it. */
  switch: { at: string; afterStartMs: number; figures: SwitchFigures; drain: DrainFigures | null; client: ClientDrain } | null;
}

const clock = (at: string | null) => (at ? at.slice(11, 23) : '-');
const reasons = (o: SideOutage) => [`maintenance ${o.maintenanceAnswers}`, ...Object.entries(o.otherFailures).map(([r, c]) => `${r} ${c}`)].join(', ');

export function printBlueGreenReport(r: { from: string; to: string; ttlSeconds: number; recreate: BlueGreenSide; blueGreen: BlueGreenSide; goals: BlueGreenGoals; reproduce: string }): void {
  const { recreate: a, blueGreen: b } = r;
  const sw = b.switch;
  const own = (s: BlueGreenSide) => (s.keyturnProbe ? `${s.keyturnProbe.failed} of ${s.keyturnProbe.requests}` : '-');
  const rows: [string, string, string][] = [
    ['failed requests (of all in the span)', `${a.outage.failed} of ${a.outage.requests}`, `${b.outage.failed} of ${b.outage.requests}`],
    ['downtime (first to last failed request)', sec(a.outage.downtimeMs), sec(b.outage.downtimeMs)],
    ['  at most (last ok before .. first ok after)', sec(a.outage.boundMs), sec(b.outage.boundMs)],
    ['  from .. to', `${clock(a.outage.firstFailedAt)} .. ${clock(a.outage.lastFailedAt)}`, `${clock(b.outage.firstFailedAt)} .. ${clock(b.outage.lastFailedAt)}`],
    ['total (keyturn upgrade wall clock)', sec(a.totalMs), sec(b.totalMs)],
    ['  start -> switch', '-', sw ? sec(sw.afterStartMs) : '-'],
    ['switch -> last request on blue (HAProxy counters)', '-', sw?.drain?.lastRequestAfterSwitchSeconds != null ? `${sw.drain.lastRequestAfterSwitchSeconds} s` : '-'],
    ['switch -> last request on blue (prober)', '-', sw ? (sw.client.address ? sec(sw.client.lastAfterSwitchMs) : '-') : '-'],
    ["keyturn's own prober: failed of all", own(a), own(b)],
  ];
  const head: [string, string, string] = [`MINOR UPGRADE ${r.from} -> ${r.to}`, 'RECREATE', 'BLUE/GREEN'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  const line = (x: string[]) => `${x[0]!.padEnd(w[0]!)}  ${x[1]!.padStart(w[1]!)}  ${x[2]!.padStart(w[2]!)}\n`;
  process.stdout.write(`\n${line(head)}`);
  for (const x of rows) process.stdout.write(line(x));

  process.stdout.write('\nprober: one for both sides (20 req/s, 5 s deadline, token requests; sso.lab.test resolved through the lab\'s BIND on every request)\n');
  process.stdout.write(`failure reasons: recreate ${reasons(a.outage)}; blue/green ${reasons(b.outage)}\n`);
  if (sw) {
    process.stdout.write(`switch: ${clock(sw.at)} to ${sw.figures.to ?? '?'} (${sw.figures.previous ?? '?'} -> ${sw.figures.now ?? '?'}), DNS TTL ${r.ttlSeconds} s\n`);
    process.stdout.write(`  blue's counters: ${sw.drain ? `${sw.drain.sessionsAfterSwitch ?? '?'} sessions after the switch, still receiving at the end: ${sw.drain.stillReceiving ?? '?'}, watched ${sw.drain.waitedSeconds ?? '?'} s` : 'no traffic.drained event'}\n`);
    process.stdout.write(`  prober: ${sw.client.requestsAfterSwitch} request(s) after the switch resolved to ${sw.client.address ?? '?'}${sw.client.lastAt ? `, the last at ${clock(sw.client.lastAt)}` : ''}\n`);
  }
  process.stdout.write(`runs: recreate ${a.runId}, blue/green ${b.runId} (keyturn runs show <id>)\n`);
  process.stdout.write('\nGOALS (statements on this run, not assertions)\n');
  process.stdout.write(`  ${r.goals.zeroFailed.statement}\n`);
  process.stdout.write(`  ${r.goals.onGreenWithin.statement}\n`);
  process.stdout.write(`\nreproduce: ${r.reproduce}\n`);
}
