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
import { clusterSize, waitForReady } from '../../tools/health.ts';
import { loadBalancerOf, nodeAddress, param, type StepContext, type StepImpl } from '../engine-context.ts';
import { recordAnsibleEvent } from '../ansible-events.ts';
import { prepareInstall } from './install-options.ts';

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
  const { extraVars, redact } = await prepareInstall(ctx, version, phased ? 'switch' : 'all');
  ctx.nodeState(node.name, phased ? 'stopping' : 'installing', phased ? `Switching ${node.name} to the prepared Keycloak ${version}` : `Installing Keycloak ${version} on ${node.name}`);
  await runPlaybook({
    playbook: ansible.playbook,
    inventory: ansible.inventory,
    limit: node.name,
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

/** Waits for /health/ready on the node's management port. */
export const waitNodeReady: StepImpl = async (ctx) => {
  const node = requireNode(ctx);
  ctx.nodeState(node.name, 'starting', 'Waiting for /health/ready');
  await waitForReady({ address: nodeAddress(node), managementPort: node.managementPort, timeoutMs: 300_000, intervalMs: 1000, signal: ctx.signal });
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
