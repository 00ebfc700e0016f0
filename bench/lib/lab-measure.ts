/**
 * How the lab benchmarks measure: a /health/ready and HAProxy poller, an
 * availability prober of the bench's own (the one Keyturn runs, with its
 * samples kept out of Keyturn's ledger), a baseline playbook run the way
 * Keyturn runs its own, and the task spans both sides' Ansible events give.
 */
import type { LabStatus } from '../../shared/contract/lab.ts';
import type { ProbeSummary } from '../../shared/contract/probe.ts';
import { labProbeTarget, startProber } from '../../electron/engine/prober.ts';
import { installVars } from '../../electron/engine/steps/install-options.ts';
import { pinnedHostKeys } from '../../electron/engine/steps/node-access.ts';
import { openLedger } from '../../electron/ledger/open-ledger.ts';
import { listProbeSamples, type ProbeSample } from '../../electron/ledger/probe-samples-repo.ts';
import { createRun, listEvents } from '../../electron/ledger/runs-repo.ts';
import { runPlaybook, type AnsibleEvent } from '../../electron/tools/ansible.ts';
import { showServers } from '../../electron/tools/haproxy.ts';
import { checkHealth } from '../../electron/tools/health.ts';
import { distributionZip, iso, keyturn, labAnsibleConfig, labCluster, POLL_MS, sleep, withLedger, type KeyturnResult, type Lb, type LabNode } from './lab-bench.ts';

export interface ReadySample {
  at: number;
  up: boolean;
}

export type ReadyPoller = ReturnType<typeof startReadyPoller>;

/**
 * Polls every node's /health/ready every 250 ms, and HAProxy's view of every
 * server every 500 ms (in rotation = enabled and UP, "UP 1/2" included);
 * samples carry the time the request was sent.
 */
export function startReadyPoller(nodes: LabNode[], lb: Lb) {
  const samples = new Map<string, ReadySample[]>(nodes.map((n) => [n.name, []]));
  const rotation = new Map<string, ReadySample[]>(nodes.map((n) => [n.name, []]));
  let stopped = false;
  const loops = nodes.map(async (n) => {
    while (!stopped) {
      const at = Date.now();
      const r = await checkHealth({ address: n.address, managementPort: n.managementPort, timeoutMs: 1000 }).catch(() => ({ status: 'unreachable' as const }));
      samples.get(n.name)!.push({ at, up: r.status === 'UP' });
      await sleep(Math.max(0, at + POLL_MS - Date.now()));
    }
  });
  loops.push((async () => {
    while (!stopped) {
      const at = Date.now();
      const servers = await showServers(lb.runtimeApi, lb.backend, { timeoutMs: 2000 }).catch(() => null);
      for (const n of nodes) {
        const srv = servers?.find((x) => x.name === n.name);
        if (servers) rotation.get(n.name)!.push({ at, up: !!srv && srv.adminState === 'ready' && /^UP/.test(srv.status) });
      }
      await sleep(Math.max(0, at + 2 * POLL_MS - Date.now()));
    }
  })());
  return {
    samples,
    rotation,
    /** True when `node` answered ready on a request sent at or after `since`. */
    readySince: (node: string, since: number) => samples.get(node)!.some((s) => s.at >= since && s.up),
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** What `keyturn upgrade|rollback --json` prints: the run and its prober's summary. */
export interface KeyturnRunJson {
  run?: { id?: string; status?: string };
  probe?: ProbeSummary | null;
}

/**
 * `keyturn <args>` (with `--json`) while every node's /health/ready and
 * HAProxy's rotation are polled; the run document it printed, or an error
 * naming the command when it printed none.
 */
export async function keyturnPolled(home: string, args: string[], nodes: LabNode[], lb: Lb): Promise<{ r: KeyturnResult; out: KeyturnRunJson; poller: ReadyPoller }> {
  const poller = startReadyPoller(nodes, lb);
  let r: KeyturnResult;
  try {
    r = await keyturn(home, args, 45 * 60_000);
  } finally {
    await poller.stop();
  }
  try {
    return { r, out: JSON.parse(r.stdout) as KeyturnRunJson, poller };
  } catch {
    throw new Error(`keyturn ${args.join(' ')} exited ${r.exitCode} without a JSON result`);
  }
}

/** The samples where a node's answer changed (and the first one), from `fromMs` to `toMs`. */
export function transitions(samples: ReadonlyMap<string, readonly ReadySample[]>, fromMs = 0, toMs = Infinity): Record<string, { at: string; up: boolean }[]> {
  return Object.fromEntries([...samples].map(([node, all]) => {
    const list = all.filter((s) => s.at >= fromMs && s.at <= toMs);
    return [node, list.filter((s, i) => i === 0 || s.up !== list[i - 1]!.up).map((s) => ({ at: iso(s.at), up: s.up }))];
  }));
}

/**
 * The availability prober Keyturn runs (20 req/s through DNS + HAProxy),
 * started by the bench itself: its samples go to a private in-memory ledger,
 * so nothing of a baseline reaches Keyturn's.
 */
export function startBenchProber(status: LabStatus, kind: string, maxDurationMs = 3_600_000) {
  const mem = openLedger(':memory:');
  const runId = createRun(mem, { clusterId: null, kind, toState: {} });
  const prober = startProber({ db: mem, runId, events: { event: () => undefined }, target: labProbeTarget(status), ratePerSecond: 20, timeoutMs: 5000, maxDurationMs });
  return {
    /** Stops probing; returns every sample and the summary, and closes the private ledger. */
    async stop(): Promise<{ samples: ProbeSample[]; summary: ProbeSummary }> {
      const summary = await prober.stop();
      try {
        return { samples: listProbeSamples(mem, runId), summary };
      } finally {
        mem.close();
      }
    },
  };
}

export interface TaskEvent {
  kind: string;
  host: string;
  task: string;
  at: number;
}

export interface Span {
  host: string;
  task: string;
  start: number;
  end: number;
  skipped: boolean;
}

/**
 * Pairs each task start with its result, per host. Under the linear strategy
 * the jsonl callback's task start names no host (v2_playbook_on_task_start):
 * every host of the batch starts the task then, so a host-less start belongs
 * to every result of that task until the task starts again (next batch).
 */
export function spans(events: readonly TaskEvent[]): Span[] {
  const open = new Map<string, number>();
  const out: Span[] = [];
  for (const e of events) {
    const key = `${e.host}\u0000${e.task}`;
    if (e.kind === 'ansible.task_start') open.set(key, e.at);
    else if (['ansible.task_ok', 'ansible.task_skipped', 'ansible.task_failed'].includes(e.kind)) {
      const own = open.get(key);
      const start = own ?? open.get(`\u0000${e.task}`);
      if (start === undefined) continue;
      out.push({ host: e.host, task: e.task, start, end: e.at, skipped: e.kind === 'ansible.task_skipped' });
      if (own !== undefined) open.delete(key);
    }
  }
  return out;
}

/** ansible's own timestamp of an event (`_timestamp`, UTC), else when we saw it. */
export const eventTime = (ts: unknown, fallback: number) => (typeof ts === 'string' && Number.isFinite(Date.parse(ts)) ? Date.parse(ts) : fallback);

/** The Ansible task events Keyturn recorded for a run, as the bench's task events (a host-less task start included). */
export function keyturnTaskEvents(home: string, runId: string): TaskEvent[] {
  return withLedger(home, (db) => {
    const out: TaskEvent[] = [];
    for (let after = -1; ;) {
      const page = listEvents(db, runId, after, 1000);
      if (page.length === 0) break;
      after = page[page.length - 1]!.seq;
      for (const e of page) {
        if (e.source !== 'ansible' || !e.kind.startsWith('ansible.task_')) continue;
        const task = typeof e.data['task'] === 'string' ? e.data['task'] : null;
        // A host-less task start (linear strategy) is kept: it starts the task for every host of the batch.
        if (task && (e.node || e.kind === 'ansible.task_start')) out.push({ kind: e.kind, host: e.node ?? '', task, at: eventTime(e.data['timestamp'], Date.parse(e.at)) });
      }
    }
    return out;
  });
}

/**
 * Runs a playbook against the lab's inventory the way Keyturn runs its own:
 * the lab's ansible.cfg, the cluster's pinned host keys as the run's
 * known_hosts, the install extra-vars of `version` (secrets redacted from
 * every message). Returns the task events with ansible's own timestamps.
 */
export async function runLabPlaybook(home: string, o: { playbook: string; inventory: string; version: string; log: (s: string) => void; label: string; varsFor?: (vars: Record<string, unknown>) => Record<string, unknown> }): Promise<TaskEvent[]> {
  const cluster = labCluster(home);
  const extra = await installVars(cluster, o.version, await distributionZip(home, o.version));
  const redact = (s: string) => extra.secrets.reduce((acc, v) => acc.split(v).join('***'), s);
  const events: TaskEvent[] = [];
  await runPlaybook({
    playbook: o.playbook,
    inventory: o.inventory,
    // The same per-run known_hosts of pinned keys as Keyturn's own runs, so both sides pay for the same checks.
    hostKeys: pinnedHostKeys(cluster),
    extraVars: o.varsFor ? o.varsFor(extra.extraVars) : extra.extraVars,
    env: { ANSIBLE_CONFIG: labAnsibleConfig },
    timeoutMs: 30 * 60_000,
    redact,
    onEvent: (e: AnsibleEvent) => {
      if (!e.kind.startsWith('ansible.task_') || !e.task) return;
      events.push({ kind: e.kind, host: e.host ?? '', task: e.task, at: eventTime(e.data['timestamp'], Date.now()) });
      if (e.kind === 'ansible.task_ok' || e.kind === 'ansible.task_failed') o.log(`  ${o.label} ${e.message}`);
    },
  });
  return events;
}
