/**
 * The outage part of recreate and restore: the load balancer answers 503
 * with Retry-After while every node is stopped; the database is restored
 * beside the live one when a rollback needs it; the maintenance ends as
 * soon as the first started node answers ready. A Pause never
 * takes effect inside this part (step-kinds.ts): a cluster must not be left
 * stopped because someone pressed Pause.
 */
import { KeyturnError } from '../../../shared/errors.ts';
import { runPlaybook } from '../../tools/ansible.ts';
import { endMaintenance, enterMaintenance } from '../../tools/haproxy-maintenance.ts';
import { recordAnsibleEvent } from '../../runs/ansible-events.ts';
import { checkHealth } from '../../tools/health.ts';
import { loadBalancerOf, nodeAddress, param, type StepImpl } from '../engine-context.ts';
import { pinnedHostKeys } from './node-access.ts';

/** Every server of the backend into MAINT: clients get HAProxy's 503 (with Retry-After where configured), never a refused connection. */
export const enterMaintenanceStep: StepImpl = async (ctx) => {
  const lb = loadBalancerOf(ctx.cluster);
  const entered = await enterMaintenance(lb.runtimeApi, lb.backend, { signal: ctx.signal });
  for (const n of entered.servers) ctx.nodeState(n, 'draining', `${n} out of rotation: maintenance`);
  ctx.rec.event('engine', 'lb.maintenance', 'warn', { message: `Maintenance on in ${lb.backend}: ${entered.servers.join(', ')} out of rotation; clients get 503 until it ends`, backend: lb.backend, servers: entered.servers });
};

/** Stops Keycloak on every node at once with the cluster's stop playbook, and waits until each management port is closed. */
export const stopClusterStep: StepImpl = async (ctx) => {
  const ansible = ctx.cluster.spec.ansible;
  if (!ansible?.stopPlaybook) {
    throw new KeyturnError('invalid-input', `Cluster '${ctx.cluster.name}' has no ansible.stopPlaybook to stop its nodes.`, 'Add ansible.stopPlaybook (a playbook that stops Keycloak on the hosts it is limited to), then plan again.');
  }
  for (const n of ctx.cluster.spec.nodes) ctx.nodeState(n.name, 'stopping', 'Stopping (every node at once)');
  await runPlaybook({
    playbook: ansible.stopPlaybook,
    inventory: ansible.inventory,
    hostKeys: pinnedHostKeys(ctx.cluster),
    signal: ctx.signal,
    timeoutMs: 10 * 60_000,
    onEvent: (e) => recordAnsibleEvent(ctx.rec, e),
  });
  for (const n of ctx.cluster.spec.nodes) ctx.nodeState(n.name, 'waiting', `${n.name} stopped`);
};

/**
 * Restores the pre-upgrade backup beside the live database and swaps the
 * names: the migrated database is kept under a dated name, sessions follow
 * the run's policy, JGROUPS_PING is emptied. What it dropped is recorded.
 */
export const restoreDatabaseStep: StepImpl = async (ctx) => {
  const backupId = param(ctx, 'backupId');
  const policy = ctx.params.sessionPolicy === 'keep-all' || ctx.params.sessionPolicy === 'drop-all' ? ctx.params.sessionPolicy : 'drop-online';
  const r = await ctx.deps.backups.restoreBeside(backupId, { sessionPolicy: policy, runId: ctx.runId, signal: ctx.signal });
  ctx.rec.event('engine', 'backup.restored', 'warn', {
    message: `Database restored from backup ${backupId.slice(0, 8)}; the migrated one is kept as ${r.keptAs}. Sessions (${r.sessions.policy}): ${r.sessions.onlineUserSessions} online user sessions and ${r.sessions.offlineUserSessions} offline ones dropped; ${r.jgroupsRowsCleared} JGROUPS_PING rows cleared`,
    backupId, keptAs: r.keptAs, sessions: r.sessions, jgroupsRowsCleared: r.jgroupsRowsCleared,
  });
};

/**
 * Puts the step's node back into rotation: the outage ends here. The node is
 * asked for /health/ready once more first; answering 200, HAProxy is told it
 * is UP at once (its own checks keep watching and take it out after `fall`
 * failures), because every `rise` check HAProxy would still wait for is a
 * maintenance answer to every client. A node that does not answer 200 waits
 * for HAProxy's own checks, as any server does.
 */
export const endMaintenanceStep: StepImpl = async (ctx) => {
  const lb = loadBalancerOf(ctx.cluster);
  const node = ctx.node;
  if (!node) throw new KeyturnError('internal', 'Ending the maintenance needs the node that serves first.', 'Abort the run and plan again.');
  const health = await checkHealth({ address: nodeAddress(node), managementPort: node.managementPort, path: '/health/ready', timeoutMs: 5000, signal: ctx.signal });
  const ready = health.status === 'UP';
  const ended = await endMaintenance(lb.runtimeApi, lb.backend, [node.name], { timeoutMs: 120_000, signal: ctx.signal, provenReady: ready ? [node.name] : [] });
  ctx.nodeState(node.name, 'joined', `${node.name} serves: maintenance over`);
  const how = ended.forcedUp.includes(node.name)
    ? `set UP at once after it answered ready (HAProxy's own checks keep watching it)`
    : `UP by HAProxy's own checks${ready ? ' (it tracks another server)' : ` (its /health/ready was ${health.status} when asked)`}`;
  ctx.rec.event('engine', 'lb.maintenance-ended', 'info', { message: `Maintenance over: ${node.name} is ${how} in ${lb.backend} and serves every request`, backend: lb.backend, node: node.name, forcedUp: ended.forcedUp.includes(node.name) });
};
