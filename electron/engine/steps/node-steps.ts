/**
 * One node's rolling replacement, as separate idempotent steps so a crash in
 * the middle resumes at the right place: drain it in the load balancer,
 * install the target version with the cluster's playbook limited to it,
 * wait for /health/ready (not /health/started: from 26.6 `started` is UP
 * before migrations finish), check it rejoined the cluster, enable it again.
 */
import { KeyturnError } from '../../../shared/errors.ts';
import { runPlaybook } from '../../tools/ansible.ts';
import { drainServer, enableServer, showServers, waitForNoSessions } from '../../tools/haproxy.ts';
import { clusterSize, waitForReady, type HealthResult } from '../../tools/health.ts';
import { loadBalancerOf, nodeAddress, param, type StepContext, type StepImpl } from '../engine-context.ts';
import { recordAnsibleEvent } from '../../runs/ansible-events.ts';
import { prepareInstall } from './install-options.ts';
import { keycloakProcess, pinnedHostKeys } from './node-access.ts';
import { resolveSecretRef } from '../../services/secret-refs.ts';
import { assertSchemaAllows } from '../../services/schema-guard.ts';
import type { ProbeSample } from '../../ledger/probe-samples-repo.ts';
import { prepareTarget, probeOnce } from '../probe-request.ts';
import { lookup } from 'node:dns/promises';
import { isIP, isIPv6 } from 'node:net';

function requireNode(ctx: StepContext) {
  if (!ctx.node) throw new KeyturnError('internal', 'A node step has no node.', 'Abort the run and start a new one.');
  return ctx.node;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new KeyturnError('aborted', 'Stopped while waiting.', 'Resume the run to continue.'));
    }, { once: true });
  });

/** What a node is doing while the install playbook runs a task (null: no change worth showing). */
export function taskState(task: string): 'stopping' | 'installing' | 'starting' | null {
  if (/^stop/i.test(task)) return 'stopping';
  if (/^(start|wait until ready)/i.test(task)) return 'starting';
  if (/^(check the jdk|copy|unpack|write|build|point)/i.test(task)) return 'installing';
  return null;
}

/**
 * Takes the node out of the load balancer and lets requests in flight finish.
 * Drain, not maintenance: HAProxy keeps health-checking a drained server, so
 * by the time the engine has seen the node ready and joined, HAProxy has its
 * own proof too and enabling it puts it back at once.
 */
export const drainNode: StepImpl = async (ctx) => {
  const node = requireNode(ctx);
  const lb = loadBalancerOf(ctx.cluster);
  ctx.nodeState(node.name, 'draining', `Draining ${node.name} in ${lb.backend}`);
  await drainServer(lb.runtimeApi, lb.backend, node.name, { signal: ctx.signal });
  await waitForNoSessions(lb.runtimeApi, lb.backend, node.name, { timeoutMs: 60_000, signal: ctx.signal });
  ctx.rec.event('engine', 'lb.drained', 'info', { message: `${node.name} drained: no requests in flight`, backend: lb.backend }, node.name);
};

/**
 * Runs the cluster's install playbook limited to this node; the playbook
 * stops, installs and starts it. A phased playbook only switches here: the
 * prepare step already installed and built the target on every node.
 */
export const installNode: StepImpl = async (ctx) => {
  const node = requireNode(ctx);
  const version = param(ctx, 'to');
  const ansible = ctx.cluster.spec.ansible;
  if (!ansible) throw new KeyturnError('invalid-input', `Cluster '${ctx.cluster.name}' has no Ansible inventory and playbook.`, 'Add ansible: { inventory, playbook } to the cluster.');
  const phased = ctx.params.phased === true;
  // Never start a version older than the schema it would find (Keycloak would only warn).
  const artifact = await ctx.deps.artifacts.ensure(version, { signal: ctx.signal });
  const schema = await assertSchemaAllows(ctx.cluster.spec, version, artifact.path, { signal: ctx.signal });
  ctx.rec.event('engine', 'schema.checked', 'info', { message: `${node.name}: every one of the database's ${schema.changeSets} change sets ships with Keycloak ${version}; it may start on it`, changeSets: schema.changeSets }, node.name);
  const { extraVars, redact } = await prepareInstall(ctx, version, phased ? 'switch' : 'all');
  ctx.nodeState(node.name, phased ? 'stopping' : 'installing', phased ? `Switching ${node.name} to the prepared Keycloak ${version}` : `Installing Keycloak ${version} on ${node.name}`);
  await runPlaybook({
    playbook: ansible.playbook,
    inventory: ansible.inventory,
    limit: node.name,
    hostKeys: pinnedHostKeys(ctx.cluster),
    extraVars,
    signal: ctx.signal,
    timeoutMs: 30 * 60_000,
    redact,
    onEvent: (e) => {
      const task = e.task ?? '';
      if (e.kind === 'ansible.task_start' || e.kind === 'ansible.task_ok') {
        const state = taskState(task);
        if (state) ctx.nodeState(node.name, state, task);
      }
      recordAnsibleEvent(ctx.rec, e, node.name);
    },
  });
};

/** How long a node may take to become ready (a first start runs the schema migration). */
const READY_TIMEOUT_MS = 300_000;
/** How often /health/ready is asked: in a recreate every poll it is late is downtime, and one GET costs the node nothing. */
const READY_POLL_MS = 250;
/** How often, while waiting, the node is asked over SSH whether its Keycloak process still exists. */
const PROCESS_CHECK_MS = 5000;

/**
 * Waits for /health/ready on the node's management port, and meanwhile asks
 * the node every few seconds whether its Keycloak process still exists. A
 * process that died (a port taken, an option it refuses) fails the step at
 * once instead of after the whole deadline: in a recreate the cluster sits in
 * maintenance while this waits. Dead means two checks in a row find no
 * process started from keycloakHome while nothing answers on the management
 * port, so a node Keyturn can't inspect (no /proc, SSH down) only waits.
 */
export const waitNodeReady: StepImpl = async (ctx) => {
  const node = requireNode(ctx);
  ctx.nodeState(node.name, 'starting', 'Waiting for /health/ready');
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (ctx.signal.aborted) stop.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let last: HealthResult | null = null;
  const ready = waitForReady({ address: nodeAddress(node), managementPort: node.managementPort, timeoutMs: READY_TIMEOUT_MS, intervalMs: READY_POLL_MS, signal: stop.signal, onPoll: (r) => { last = r; } });
  const watch = (async (): Promise<never> => {
    let goneInARow = 0;
    for (;;) {
      await sleep(PROCESS_CHECK_MS, stop.signal);
      const proc = await keycloakProcess(ctx.cluster, node, stop.signal);
      goneInARow = proc.state === 'gone' && (last as HealthResult | null)?.status === 'unreachable' ? goneInARow + 1 : 0;
      if (goneInARow >= 2) {
        throw new KeyturnError('tool-failed', `Keycloak on ${node.name} is not running: no process started from ${node.keycloakHome} exists and nothing answers on its management port ${node.managementPort}. It stopped before it was ready.`,
          `Look at the Keycloak log on ${node.name} for why it exited (a port already in use, a refused option, a failed migration), fix that, then resume the run or take the rollback it offers.`);
      }
    }
  })();
  try {
    await Promise.race([ready, watch]);
  } finally {
    stop.abort();
    ctx.signal.removeEventListener('abort', onAbort);
    // the loser ends on the abort above; its rejection is not this step's answer
    ready.catch(() => undefined);
    watch.catch(() => undefined);
  }
  ctx.nodeState(node.name, 'ready', `${node.name} is ready`);
};

/** Waits until the node sees every node of the cluster in its cache view. */
export const verifyNodeJoined: StepImpl = async (ctx) => {
  const node = requireNode(ctx);
  const expected = ctx.cluster.spec.nodes.length;
  const deadline = Date.now() + 120_000;
  let size: number | null = null;
  while (Date.now() < deadline) {
    size = await clusterSize({ address: nodeAddress(node), managementPort: node.managementPort, signal: ctx.signal }).catch(() => null);
    if (size === expected) {
      ctx.nodeState(node.name, 'joined', `${node.name} joined: cluster size ${size}`);
      return;
    }
    await sleep(1000, ctx.signal);
  }
  throw new KeyturnError('timeout', `${node.name} sees a cluster of ${size ?? 'unknown'} members, not ${expected}, after 120 s.`,
    "The node runs but did not join the others: check its cache settings (cache-stack, bind address) and the JGROUPS_PING table. Rollback puts the old version back.");
};

/**
 * Warms a node that just started before it takes traffic: token requests
 * with the cluster's probe client straight to the node (it is still out of
 * rotation), until a whole round answers fast. A fresh JVM answers its first
 * token requests in seconds; without this, the moment the node is enabled and
 * the next one drained it would take every request cold. Proves the node can
 * issue tokens, too: when it answers but issues none, the step fails before
 * the node is enabled (a node that does not answer plain HTTP is only noted).
 */
export const warmUpNode: StepImpl = async (ctx) => {
  const node = requireNode(ctx);
  const probe = ctx.cluster.spec.probe;
  if (!probe) {
    ctx.rec.event('engine', 'node.warmup', 'info', { message: `${node.name}: no probe client configured, not warmed up` }, node.name);
    return;
  }
  const secret = await resolveSecretRef(probe.clientSecretRef, `The probe client secret of cluster '${ctx.cluster.name}'`);
  ctx.rec.addSecrets(secret);
  // The node by address (its own, not the public name), so the prober's request goes to it and nowhere else.
  const address = isIP(nodeAddress(node)) ? nodeAddress(node) : (await lookup(nodeAddress(node)).catch(() => null))?.address;
  if (!address) {
    ctx.rec.event('engine', 'node.warmup', 'warn', { message: `${node.name}: ${nodeAddress(node)} does not resolve here; not warmed up` }, node.name);
    return;
  }
  const host = isIPv6(address) ? `[${address}]` : address;
  const target = prepareTarget({
    url: `http://${host}:${node.httpPort}/realms/${encodeURIComponent(probe.realm)}/protocol/openid-connect/token`,
    dns: { server: address, port: 53 }, // never consulted: the URL names an IP address
    clientId: probe.clientId,
    clientSecret: secret,
    allowedNetworks: [address],
  });
  ctx.nodeState(node.name, 'ready', `Warming ${node.name} up with token requests before it takes traffic`);
  const started = Date.now();
  const { ok, sent, last } = await warmUpRounds(() => probeOnce(target, 5000), ctx.signal);
  const worst = Math.max(...last.map((s) => s.latencyMs));
  const verdict = warmupVerdict(ok, last);
  if (verdict === 'unreachable') {
    // Not reachable over plain HTTP on its own port (TLS-only nodes, another listener): readiness already
    // holds, so the node is enabled without a warm-up rather than stopping the run on a transport question.
    ctx.rec.event('engine', 'node.warmup', 'warn', { message: `${node.name}: ${target.url.href} did not answer (${last[0]?.reason ?? 'no answer'}); not warmed up`, sent, ok }, node.name);
    return;
  }
  if (verdict === 'no-token') {
    const reasons = [...new Set(last.map((s) => s.reason ?? 'other'))].join(', ');
    throw new KeyturnError('tool-failed', `${node.name} is ready but issued no token in ${sent} requests (${reasons}).`,
      `Check realm '${probe.realm}' and client '${probe.clientId}' on the new version; the node is still out of the load balancer. Rollback puts the old version back.`);
  }
  ctx.rec.event('engine', 'node.warmup', 'info', { message: `${node.name} warmed up: ${ok}/${sent} tokens in ${((Date.now() - started) / 1000).toFixed(1)} s, last round ${Math.round(worst)} ms at most`, sent, ok, ms: Date.now() - started }, node.name);
};

/** What the warm-up looks at of each request (the prober's own samples). */
export type WarmupSample = Pick<ProbeSample, 'ok' | 'latencyMs' | 'reason'>;

/**
 * What a warm-up showed: `warm` (tokens issued), `no-token` (the node answered
 * but issued none: broken for real traffic) or `unreachable` (no HTTP answer at
 * all on that port: nothing learnt, readiness stands).
 */
export function warmupVerdict(ok: number, last: readonly WarmupSample[]): 'warm' | 'no-token' | 'unreachable' {
  if (ok > 0) return 'warm';
  return last.every((s) => s.reason !== null && transportFailures.has(s.reason)) ? 'unreachable' : 'no-token';
}

/** Reasons of `probeOnce` that mean no HTTP answer came back at all. */
const transportFailures = new Set(['refused', 'timeout', 'reset', 'unreachable', 'other']);

/** Warm-up: rounds of this many requests, until a round is all under the threshold (after a minimum), at most this long. */
export const warmupLimits = { concurrency: 4, fastMs: 150, minRequests: 12, maxMs: 15_000 };

/** Sends rounds of requests until one round is all fast and successful (and enough were sent), or time is up. */
export async function warmUpRounds<S extends WarmupSample>(send: () => Promise<S>, signal: AbortSignal, limits = warmupLimits): Promise<{ ok: number; sent: number; last: S[] }> {
  const started = Date.now();
  let ok = 0;
  let sent = 0;
  let last: S[] = [];
  while (Date.now() - started < limits.maxMs) {
    if (signal.aborted) throw new KeyturnError('aborted', 'Stopped while warming up.', 'Resume the run to continue.');
    last = await Promise.all(Array.from({ length: limits.concurrency }, send));
    sent += last.length;
    ok += last.filter((s) => s.ok).length;
    if (sent >= limits.minRequests && last.every((s) => s.ok && s.latencyMs < limits.fastMs)) break;
  }
  return { ok, sent, last };
}

/** Puts the node back in the load balancer and waits until the balancer's health check sees it UP. */
export const enableNode: StepImpl = async (ctx) => {
  const node = requireNode(ctx);
  const lb = loadBalancerOf(ctx.cluster);
  await enableServer(lb.runtimeApi, lb.backend, node.name, { signal: ctx.signal });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const server = (await showServers(lb.runtimeApi, lb.backend, { signal: ctx.signal })).find((s) => s.name === node.name);
    // Plain "UP": not "UP 1/2" (a failed check pending), so the next node is drained only once this one is solid.
    if (server && server.adminState === 'ready' && server.status === 'UP') {
      ctx.rec.event('engine', 'lb.enabled', 'info', { message: `${node.name} is back in ${lb.backend} (${server.status})` }, node.name);
      return;
    }
    await sleep(500, ctx.signal);
  }
  throw new KeyturnError('timeout', `The load balancer does not see ${node.name} UP 60 s after enabling it.`, "Check HAProxy's health check of the node (/health/ready on the management port).");
};
