/**
 * The prepare step of a phased rolling run: the cluster's playbook with
 * `keycloak_phase=prepare`, on every node at once, before any node is
 * drained. Copy, unpack, configure and `kc.sh build` of the target happen
 * while every node keeps serving, so a node is out of the load balancer only
 * for stop -> start -> ready, and a broken artifact or configuration fails
 * here, with the whole cluster untouched.
 */
import { KeyturnError } from '../../../shared/errors.ts';
import { runPlaybook } from '../../tools/ansible.ts';
import { recordAnsibleEvent } from '../../runs/ansible-events.ts';
import { param, type StepImpl } from '../engine-context.ts';
import { prepareInstall } from './install-options.ts';
import { pinnedHostKeys } from './node-access.ts';

export const prepareCluster: StepImpl = async (ctx) => {
  const version = param(ctx, 'to');
  const ansible = ctx.cluster.spec.ansible;
  if (!ansible?.phased) {
    throw new KeyturnError('invalid-input', `Cluster '${ctx.cluster.name}' has no phased Ansible playbook to prepare its nodes with.`,
      'Set ansible.phased: true only for a playbook that honours keycloak_phase=prepare|switch, then start a new run.');
  }
  const nodes = ctx.params.nodes;
  const names = Array.isArray(nodes) && nodes.every((n) => typeof n === 'string') ? (nodes as string[]) : ctx.cluster.spec.nodes.map((n) => n.name);
  const { extraVars, redact } = await prepareInstall(ctx, version, 'prepare');
  for (const n of names) ctx.nodeState(n, 'preparing', `Preparing Keycloak ${version} next to the running version (still serving)`);
  try {
    await runPlaybook({
      playbook: ansible.playbook,
      inventory: ansible.inventory,
      limit: names.join(','),
      hostKeys: pinnedHostKeys(ctx.cluster),
      extraVars,
      signal: ctx.signal,
      timeoutMs: 30 * 60_000,
      redact,
      onEvent: (e) => {
        if (e.host && e.kind === 'ansible.task_start' && e.task) ctx.nodeState(e.host, 'preparing', `${e.task} (still serving)`);
        recordAnsibleEvent(ctx.rec, e);
      },
    });
  } catch (err) {
    // Nothing was drained or stopped: say so on every card rather than showing a failed node.
    for (const n of names) ctx.nodeState(n, 'waiting', `Prepare failed; ${n} still serves the running version`);
    throw err;
  }
  for (const n of names) ctx.nodeState(n, 'prepared', `Keycloak ${version} built; ${n} still serves the running version`);
};
