/**
 * The steps of a rollback that must restore the database: Keycloak's
 * migrations are forward-only, so once a newer version migrated the schema the
 * old version cannot run on it. Every node stops (downtime, stated up front),
 * the pre-upgrade backup is restored, and the old version starts again.
 */
import { KeyturnError } from '../../../shared/errors.ts';
import { runPlaybook } from '../../tools/ansible.ts';
import { param, type StepImpl } from '../engine-context.ts';
import { recordAnsibleEvent } from '../ansible-events.ts';
import { prepareInstall } from './install-options.ts';
import { pinnedHostKeys } from './node-access.ts';

/** Stops Keycloak on every node with the cluster's stop playbook. */
export const stopCluster: StepImpl = async (ctx) => {
  const ansible = ctx.cluster.spec.ansible;
  if (!ansible?.stopPlaybook) {
    throw new KeyturnError('invalid-input', `Cluster '${ctx.cluster.name}' has no ansible.stopPlaybook to stop its nodes before the restore.`, 'Add ansible.stopPlaybook (a playbook that stops Keycloak on the hosts it is limited to), then start the rollback again.');
  }
  for (const n of ctx.cluster.spec.nodes) ctx.nodeState(n.name, 'stopping', 'Stopping for the database restore');
  await runPlaybook({
    playbook: ansible.stopPlaybook,
    inventory: ansible.inventory,
    hostKeys: pinnedHostKeys(ctx.cluster),
    signal: ctx.signal,
    timeoutMs: 10 * 60_000,
    onEvent: (e) => recordAnsibleEvent(ctx.rec, e),
  });
};

/** Restores the pre-upgrade backup over the live database. */
export const restoreDatabase: StepImpl = async (ctx) => {
  const backupId = param(ctx, 'backupId');
  await ctx.deps.backups.restoreOver(backupId, { signal: ctx.signal });
  ctx.rec.event('engine', 'backup.restored', 'warn', { message: `Database restored from backup ${backupId}; writes made after it are gone`, backupId });
};

/** Installs and starts the old version on every node, one after the other. */
export const installCluster: StepImpl = async (ctx) => {
  const version = param(ctx, 'to');
  const ansible = ctx.cluster.spec.ansible;
  if (!ansible) throw new KeyturnError('invalid-input', `Cluster '${ctx.cluster.name}' has no Ansible inventory and playbook.`, 'Add ansible: { inventory, playbook } to the cluster.');
  const { extraVars, redact } = await prepareInstall(ctx, version);
  for (const n of ctx.cluster.spec.nodes) ctx.nodeState(n.name, 'installing', `Installing Keycloak ${version}`);
  await runPlaybook({
    playbook: ansible.playbook,
    inventory: ansible.inventory,
    hostKeys: pinnedHostKeys(ctx.cluster),
    extraVars,
    signal: ctx.signal,
    timeoutMs: 30 * 60_000,
    redact,
    onEvent: (e) => {
      if (e.kind === 'ansible.task_ok' && e.host && /wait until ready/i.test(e.task ?? '')) ctx.nodeState(e.host, 'ready', `${e.host} is ready`);
      recordAnsibleEvent(ctx.rec, e);
    },
  });
  for (const n of ctx.cluster.spec.nodes) ctx.nodeState(n.name, 'joined', `${n.name} back on ${version}`);
};
