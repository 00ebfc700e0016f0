/**
 * `npm run bench -- rolling-repeat [--runs 5] [--from 26.7.0] [--to 26.7.3] [--clear]`:
 * the zero-failure promise of a rolling upgrade, run after run on one lab
 * (`KEYTURN_HOME`, default Keyturn's home; the lab must exist). One run is
 * one `keyturn upgrade --cluster lab --to <to> --yes --json` under Keyturn's
 * own prober (20 req/s through DNS + HAProxy); between runs the lab goes back
 * to <from> with `keyturn rollback`, itself a rolling run under the same
 * prober, whose figures are reported too (a rollback that fails requests
 * breaks the same promise).
 *
 * Why a bench of its own: one lucky run proves nothing about a readiness blip
 * of a few hundred milliseconds, and the side-by-side rolling bench spends
 * most of its time on the baseline. Per run it prints the requests and failed
 * requests of the prober, the failures by reason, and every /health/ready
 * DOWN of a node that was in HAProxy rotation at the time (the blip that once
 * took the last serving node out), from a 250 ms poller.
 *
 * `--clear` removes the target's unpacked directory and zip from the nodes
 * before each upgrade (a first upgrade to that version: the prepare builds on
 * every node); without it the prepare finds the target staged.
 *
 * Figures go to stdout and test-results/bench-rolling-repeat.json; the exit
 * code is non-zero only when something failed to run, never on a figure.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { keyturnHome } from '../electron/services/paths.ts';
import { arg, clearTarget, ensureLabOn, labLb, labNodes, logger, root, sec, waitSettled, type LabNode } from './lib/lab-bench.ts';
import { keyturnPolled, type ReadyPoller } from './lib/lab-measure.ts';

const resultFile = join(root, 'test-results', 'bench-rolling-repeat.json');
const log = logger('rolling-repeat');

interface RunFigures {
  n: number;
  direction: 'upgrade' | 'rollback';
  runId: string;
  status: string;
  exitCode: number;
  wallMs: number;
  requests: number;
  failed: number;
  failuresByReason: Record<string, number>;
  /** /health/ready DOWN answers of a node HAProxy had in rotation at that moment: [node, at]. */
  blipsInRotation: { node: string; at: string }[];
}

/** DOWN readiness samples of a node taken while HAProxy had it enabled and UP (the last rotation sample before). */
function blipsInRotation(poller: ReadyPoller, nodes: LabNode[]): { node: string; at: string }[] {
  const out: { node: string; at: string }[] = [];
  for (const n of nodes) {
    const rotation = poller.rotation.get(n.name)!;
    for (const s of poller.samples.get(n.name)!) {
      if (s.up) continue;
      const before = rotation.filter((r) => r.at <= s.at).at(-1);
      if (before?.up) out.push({ node: n.name, at: new Date(s.at).toISOString() });
    }
  }
  return out;
}

async function measured(home: string, n: number, direction: RunFigures['direction'], args: string[], nodes: LabNode[]): Promise<RunFigures> {
  const { r, out, poller } = await keyturnPolled(home, args, nodes, labLb(home));
  if (!out.run?.id || !out.probe) throw new Error(`keyturn ${args.join(' ')} exited ${r.exitCode} without a run and its probe summary`);
  const f: RunFigures = {
    n, direction, runId: out.run.id, status: out.run.status ?? '?', exitCode: r.exitCode ?? -1, wallMs: r.endMs - r.startMs,
    requests: out.probe.requests, failed: out.probe.failed, failuresByReason: out.probe.failuresByReason ?? {},
    blipsInRotation: blipsInRotation(poller, nodes),
  };
  log(`${direction} ${n}: run ${f.runId} ${f.status} (exit ${f.exitCode}) in ${sec(f.wallMs)}: ${f.requests} requests, ${f.failed} failed; ${f.blipsInRotation.length} readiness DOWN answer(s) from a node in rotation`);
  return f;
}

export async function main(args: string[]): Promise<number> {
  const runs = Number(arg(args, 'runs', '5'));
  const from = arg(args, 'from', '26.7.0');
  const to = arg(args, 'to', '26.7.3');
  const clear = args.includes('--clear');
  const home = keyturnHome();
  const reproduce = `KEYTURN_HOME=${home} npm run bench -- rolling-repeat --runs ${runs} --from ${from} --to ${to}${clear ? ' --clear' : ''}`;
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
    process.stderr.write(`rolling-repeat: --runs must be a whole number from 1 to 20, not '${arg(args, 'runs', '')}'\n`);
    return 2;
  }
  const started = new Date().toISOString();
  const results: RunFigures[] = [];
  try {
    log(`${runs} x ${from} -> ${to} on the lab at ${home}; ${cpus().length} CPU(s), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    await ensureLabOn(home, from, 'setup', log, { rollbackArgs: ['rollback', '--cluster', 'lab', '--json'], rebuild: false });
    const { nodes } = await labNodes(home);
    const lb = labLb(home);
    for (let i = 1; i <= runs; i++) {
      if (i > 1) {
        await waitSettled(lb, nodes);
        results.push(await measured(home, i - 1, 'rollback', ['rollback', '--cluster', 'lab', '--json'], nodes));
      }
      if (clear) await clearTarget(nodes, from, to);
      await waitSettled(lb, nodes);
      results.push(await measured(home, i, 'upgrade', ['upgrade', '--cluster', 'lab', '--to', to, '--yes', '--json'], nodes));
    }
  } catch (err) {
    process.stderr.write(`rolling-repeat: ${(err as Error).message}\nreproduce: ${reproduce}\n`);
    return 1;
  } finally {
    const upgrades = results.filter((r) => r.direction === 'upgrade');
    process.stdout.write(`\nrolling-repeat ${from} -> ${to}, ${upgrades.length} upgrade(s) of ${runs}, ${results.length - upgrades.length} rollback(s) between them\n`);
    process.stdout.write(`${'run'.padEnd(12)}${'run id'.padEnd(40)}${'status'.padEnd(11)}${'wall'.padStart(9)}${'requests'.padStart(10)}${'failed'.padStart(8)}  blips in rotation\n`);
    for (const r of results) {
      process.stdout.write(`${`${r.direction} ${r.n}`.padEnd(12)}${r.runId.padEnd(40)}${r.status.padEnd(11)}${sec(r.wallMs).padStart(9)}${String(r.requests).padStart(10)}${String(r.failed).padStart(8)}  ${r.blipsInRotation.length}${r.failed ? `  ${JSON.stringify(r.failuresByReason)}` : ''}\n`);
    }
    process.stdout.write(`upgrades with 0 failed: ${upgrades.filter((r) => r.failed === 0 && r.status === 'succeeded').length}/${upgrades.length}; rollbacks with 0 failed: ${results.filter((r) => r.direction === 'rollback' && r.failed === 0 && r.status === 'succeeded').length}/${results.length - upgrades.length}\nreproduce: ${reproduce}\n`);
    await mkdir(dirname(resultFile), { recursive: true });
    await writeFile(resultFile, `${JSON.stringify({ bench: 'rolling-repeat', from, to, runs, clear, started, finished: new Date().toISOString(), cpus: cpus().length, reproduce, results }, null, 2)}\n`);
  }
  return 0;
}
