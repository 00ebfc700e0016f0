/**
 * `npm run bench -- blue-green [--from 26.5.6] [--to 26.7.3]`: the same minor
 * upgrade on the same lab (`KEYTURN_HOME`, default Keyturn's home; the lab
 * must exist), Keyturn's recreate against Keyturn's blue/green, side by side
 * in one run (issue 12). The question: does blue/green lose no request where
 * recreate takes the cluster down, and is all traffic on green within the
 * DNS TTL + 1 s of the switch?
 *
 * Sequence: (1) the lab on <from> (a restore rollback, or a fresh `lab down`
 * + `lab up --version <from>`; a standby left by an earlier run is
 * decommissioned; not measured), and `keyturn plan` must offer both
 * strategies; (2) recreate: `keyturn upgrade --strategy recreate`; back with
 * `keyturn rollback --confirm` (a restore rollback; not measured); (3)
 * blue/green: `keyturn upgrade --strategy blue-green --promote auto`; back
 * with `keyturn rollback --confirm` (the switch back to blue) and `keyturn
 * standby decommission` (green destroyed; not measured). The lab ends on
 * <from>, blue serving, as it started; recreate's migrated database is kept
 * under a dated name (`keyturn backup retained --cluster lab`).
 *
 * One availability prober (20 req/s, 5 s deadline) resolves sso.lab.test
 * through the lab's BIND on every request and records the address it got;
 * it runs through both measured sides, and each side's figures come from its
 * own span (command start until the serving colour is settled again).
 * Figures go to stdout and test-results/bench-blue-green.json; the exit code
 * is non-zero only when something failed to run, never on a figure.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { listEvents } from '../electron/ledger/runs-repo.ts';
import { keyturnHome } from '../electron/services/paths.ts';
import {
  arg, clearTarget, describeNodes, ensureLabOn, iso, keyturn, labCluster, labLb, labNodes, labStatusOf, logger, root, waitSettled, withLedger, type KeyturnResult, type Lb, type LabNode,
} from './lib/lab-bench.ts';
import { startBenchProber, type KeyturnRunJson } from './lib/lab-measure.ts';
import { blueGreenGoals, clientDrain, drainOf, oldAddress, switchOf } from './lib/blue-green-figures.ts';
import { printBlueGreenReport, type BlueGreenSide } from './lib/blue-green-report.ts';
import { sideOutage } from './lib/recreate-figures.ts';

const resultFile = join(root, 'test-results', 'bench-blue-green.json');
const log = logger('blue-green');
/** After a side's command: until the serving colour's nodes are ready and its HAProxy has them UP. */
const SERVE_AGAIN_MS = 10 * 60_000;
const RUN_MS = 60 * 60_000;
const rollbackArgs = ['rollback', '--cluster', 'lab', '--confirm', '--json'];

/** The run a `keyturn upgrade|rollback --json` printed; throws naming the command unless it succeeded. */
function succeeded(r: KeyturnResult, what: string): { runId: string; out: KeyturnRunJson } {
  let out: KeyturnRunJson;
  try {
    out = JSON.parse(r.stdout) as KeyturnRunJson;
  } catch {
    throw new Error(`keyturn ${what} exited ${r.exitCode} without a JSON result`);
  }
  const runId = out.run?.id;
  if (r.exitCode !== 0 || out.run?.status !== 'succeeded' || !runId) throw new Error(`keyturn ${what} exited ${r.exitCode}, run ${runId ?? '?'} ${out.run?.status ?? '?'}`);
  return { runId, out };
}

/** The data of a run's events of `kind`, oldest first. */
function eventData(home: string, runId: string, kind: string): Record<string, unknown>[] {
  return withLedger(home, (db) => {
    const out: Record<string, unknown>[] = [];
    for (let after = -1; ;) {
      const page = listEvents(db, runId, after, 1000);
      if (page.length === 0) return out;
      after = page[page.length - 1]!.seq;
      for (const e of page) if (e.kind === kind) out.push(e.data);
    }
  });
}

/**
 * The nodes of the colour that serves now, from the cluster record (after a
 * promotion it describes green: nodes, database, load balancer). Only the
 * lab's own inventory knows a node's directory, and waiting for the nodes to
 * serve reads none, so `root` stays empty.
 */
const servingNodes = (home: string): LabNode[] => labCluster(home).spec.nodes.map((n) => ({ name: n.name, address: n.address ?? n.host, managementPort: n.managementPort, root: '' }));

/** A blue/green colour an earlier run left behind would make this one build on top of it: remove it first (not measured). */
async function dropLeftoverColour(home: string): Promise<void> {
  const left = (await labStatusOf(home)).colours?.standby;
  if (!left) return;
  log(`setup: ${left.colour} is left ${left.role} by an earlier run: keyturn standby decommission --colour ${left.colour} (not measured)`);
  const d = await keyturn(home, ['standby', 'decommission', '--cluster', 'lab', '--colour', left.colour, '--yes', '--json'], 30 * 60_000);
  if (d.exitCode !== 0) throw new Error(`keyturn standby decommission --colour ${left.colour} exited ${d.exitCode}: look at keyturn standby list --cluster lab`);
}

/** `keyturn upgrade` of one side, then until the serving colour is settled again: the side's span. */
async function upgradeSide(home: string, to: string, strategy: 'recreate' | 'blue-green', extra: string[], settle: () => Promise<void>) {
  const args = ['upgrade', '--cluster', 'lab', '--to', to, '--strategy', strategy, ...extra, '--yes', '--json'];
  log(`${strategy}: keyturn ${args.join(' ')}`);
  const r = await keyturn(home, args, RUN_MS);
  const { runId, out } = succeeded(r, `upgrade --strategy ${strategy}`);
  log(`${strategy}: run ${runId} succeeded; probing on until the serving colour has settled`);
  await settle();
  return { r, runId, out, command: `keyturn ${args.join(' ')}`, settledMs: Date.now() };
}

type SideRun = Awaited<ReturnType<typeof upgradeSide>>;

function sideOf(strategy: BlueGreenSide['strategy'], s: SideRun, samples: Parameters<typeof sideOutage>[0]): BlueGreenSide {
  const p = s.out.probe;
  return {
    strategy, command: s.command, runId: s.runId, startAt: iso(s.r.startMs), totalMs: s.r.endMs - s.r.startMs, spanEndAt: iso(s.settledMs),
    outage: sideOutage(samples, s.r.startMs, s.settledMs),
    keyturnProbe: p ? { requests: p.requests, failed: p.failed, failuresByReason: p.failuresByReason } : null,
    switch: null,
  };
}

export async function main(args: string[]): Promise<number> {
  const from = arg(args, 'from', '26.5.6');
  const to = arg(args, 'to', '26.7.3');
  const home = keyturnHome();
  const reproduce = `KEYTURN_HOME=${home} npm run bench -- blue-green --from ${from} --to ${to}`;
  const started = new Date().toISOString();
  /** Set once the bench starts changing the lab: a failure after it may leave the lab between versions or colours. */
  let changing = false;
  try {
    log(`${from} -> ${to} on the lab at ${home}; ${cpus().length} CPU(s), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    await ensureLabOn(home, from, 'setup', log, { rollbackArgs, rebuild: true });
    await dropLeftoverColour(home);
    const { nodes } = await labNodes(home);
    const lb: Lb = labLb(home);
    const traffic = labCluster(home).spec.traffic;
    if (traffic.kind !== 'dns') throw new Error(`cluster lab steers traffic by ${traffic.kind}, not DNS: this bench measures the DNS switch`);
    const ttlSeconds = traffic.ttl;

    log(`keyturn plan --cluster lab --to ${to} (both strategies must be executable; not measured)`);
    const planned = await keyturn(home, ['plan', '--cluster', 'lab', '--to', to, '--json'], 15 * 60_000);
    if (planned.exitCode !== 0) throw new Error(`keyturn plan exited ${planned.exitCode}`);
    const strategies = (JSON.parse(planned.stdout) as { strategies?: { name: string; executable: boolean; executableWhy?: string }[] }).strategies ?? [];
    for (const name of ['recreate', 'blue-green']) {
      const s = strategies.find((x) => x.name === name);
      if (!s?.executable) throw new Error(`keyturn plan does not offer ${name} for ${from} -> ${to}: ${s?.executableWhy ?? 'no such strategy'}`);
    }

    changing = true;
    const prober = startBenchProber(await labStatusOf(home), 'bench-blue-green', 4 * 3_600_000);
    let rc: SideRun;
    let bg: SideRun;
    let samples: Awaited<ReturnType<typeof prober.stop>>['samples'];
    try {
      log('recreate: clearing leftovers of the target on the nodes, waiting for the lab to settle');
      await clearTarget(nodes, from, to);
      await waitSettled(lb, nodes);
      rc = await upgradeSide(home, to, 'recreate', [], () => waitSettled(lb, nodes, SERVE_AGAIN_MS));

      log(`recreate way back: keyturn ${rollbackArgs.join(' ')} (a restore rollback; not measured)`);
      succeeded(await keyturn(home, rollbackArgs, RUN_MS), 'rollback (restore)');
      await waitSettled(lb, nodes, SERVE_AGAIN_MS);
      const s = await labStatusOf(home);
      if (!s.nodes.every((n) => n.version === from && n.ready)) throw new Error(`the restore rollback did not bring ${from} back: ${describeNodes(s)}`);

      bg = await upgradeSide(home, to, 'blue-green', ['--promote', 'auto'], () => waitSettled(labLb(home), servingNodes(home), SERVE_AGAIN_MS));
    } finally {
      samples = (await prober.stop()).samples;
    }

    const sw = eventData(home, bg.runId, 'traffic.switched').map(switchOf).pop();
    if (!sw) throw new Error(`blue/green run ${bg.runId} recorded no traffic.switched event with a time`);
    const drainEvent = eventData(home, bg.runId, 'traffic.drained').pop();
    const drain = drainEvent ? drainOf(drainEvent) : null;
    const client = clientDrain(samples, sw.atMs, bg.settledMs, oldAddress(samples, sw));
    const recreate = sideOf('recreate', rc, samples);
    const blueGreen: BlueGreenSide = { ...sideOf('blue-green', bg, samples), switch: { at: iso(sw.atMs), afterStartMs: sw.atMs - bg.r.startMs, figures: sw, drain, client } };
    const goals = blueGreenGoals({
      failed: blueGreen.outage.failed, recreateFailed: recreate.outage.failed, recreateDowntimeMs: recreate.outage.downtimeMs,
      ttlSeconds, newColour: sw.to ?? 'green', drain, client,
    });
    printBlueGreenReport({ from, to, ttlSeconds, recreate, blueGreen, goals, reproduce });

    log(`blue/green way back: keyturn ${rollbackArgs.join(' ')} (the switch back to blue; not measured)`);
    const back = await keyturn(home, rollbackArgs, RUN_MS);
    const newColour = sw.to ?? 'green';
    const decommission = ['standby', 'decommission', '--cluster', 'lab', '--colour', newColour, '--yes', '--json'];
    let removed: KeyturnResult | null = null;
    if (back.exitCode === 0) {
      log(`blue/green way back: keyturn ${decommission.join(' ')} (destroys ${newColour}; not measured)`);
      removed = await keyturn(home, decommission, 30 * 60_000);
    }
    const end = await labStatusOf(home);
    const ok = back.exitCode === 0 && removed?.exitCode === 0;
    const labLeft = ok
      ? `on ${from} (${describeNodes(end)}), ${end.colours?.active.colour ?? 'blue'} serving, no standby; recreate's migrated database is kept under a dated name (keyturn backup retained --cluster lab)`
      : `${back.exitCode !== 0 ? `keyturn rollback exited ${back.exitCode}` : `keyturn standby decommission exited ${removed?.exitCode ?? '?'}`}: ${describeNodes(end)}; the next run converges it (switch back, decommission, or lab down + lab up --version ${from})`;
    process.stdout.write(`lab left: ${labLeft}\n`);

    await mkdir(dirname(resultFile), { recursive: true });
    await writeFile(resultFile, `${JSON.stringify({
      bench: 'blue-green', from, to, started, finished: new Date().toISOString(), cpus: cpus().length, reproduce, ttlSeconds,
      definitions: {
        span: "a side's time span: `keyturn upgrade` start until the serving colour's nodes are ready, its HAProxy has them UP, and 10 s more",
        failed: "failed requests of one shared prober (20 req/s, 5 s deadline, token requests; sso.lab.test resolved through the lab's BIND on every request) in the side's span",
        downtime: 'first to last failed request in the span (null: nothing failed), as Keyturn\'s downtime.measuredSeconds',
        total: 'wall clock of `keyturn upgrade` (planning and backup included; blue/green: also the drain of TTL + grace and the watch window)',
        lastOnBlueServer: "the run's traffic.drained event: switch (DNS update read back) to blue's last session by its HAProxy counters, whole seconds",
        lastOnBlueClient: "switch to the start of the last prober request that still resolved to blue's load balancer (0: none after the switch)",
        onGreenWithin: 'the later of both views <= TTL + 1 s, and blue no longer receiving at the end of the drain',
      },
      recreate, blueGreen, goals, labLeft,
    }, null, 2)}\n`);
    process.stdout.write(`figures: ${resultFile}\n`);
    return ok ? 0 : 1;
  } catch (err) {
    const lab = changing ? `the lab may be left between versions or colours: the next run converges it first (rollback, standby decommission, or lab down + lab up --version ${from})\n` : '';
    process.stderr.write(`blue-green: ${(err as Error).message}\n${lab}reproduce: ${reproduce}\n`);
    return 1;
  }
}
