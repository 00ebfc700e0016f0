/**
 * Progress of a provisioning run, folded from its events: the latest state of
 * each Terraform resource and of each Ansible host. Pure, so a reload folds
 * the same ledger events into the same picture.
 */
import type { RunEvent } from '../../../../shared/contract/index.ts';

/** Latest state of one Terraform resource. */
export type ResourceStatus = 'applying' | 'complete' | 'errored';
/** Latest state of one Ansible host: running a task, last task ok, last task failed. */
export type HostStatus = 'running' | 'ok' | 'failed';

/** One Terraform resource's line in the resources list. */
export interface ResourceProgress {
  resource: string;
  status: ResourceStatus;
  at: string;
  detail: string | null;
}

/** One host's line in the hosts list, with counts so a past failure stays visible. */
export interface HostProgress {
  node: string;
  status: HostStatus;
  task: string | null;
  at: string;
  okCount: number;
  failedCount: number;
  detail: string | null;
}

/** Both lists, in first-seen order. */
export interface LabProgress {
  resources: ResourceProgress[];
  hosts: HostProgress[];
}

const resourceKinds: Record<string, ResourceStatus> = {
  'terraform.apply_start': 'applying',
  'terraform.apply_complete': 'complete',
  'terraform.apply_errored': 'errored',
};

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Folds events (in seq order) into resource and host progress, in first-seen order. */
export function foldLabProgress(events: readonly RunEvent[]): LabProgress {
  const resources = new Map<string, ResourceProgress>();
  const hosts = new Map<string, HostProgress>();
  for (const e of events) {
    const resStatus = resourceKinds[e.kind];
    const resource = str(e.data.resource);
    if (resStatus && resource) {
      resources.set(resource, { resource, status: resStatus, at: e.at, detail: resStatus === 'errored' ? (str(e.data.message) ?? str(e.data.error)) : null });
      continue;
    }
    if (!e.node || !e.kind.startsWith('ansible.')) continue;
    const task = str(e.data.task);
    const prev = hosts.get(e.node) ?? { node: e.node, status: 'running' as HostStatus, task: null, at: e.at, okCount: 0, failedCount: 0, detail: null };
    if (e.kind === 'ansible.task_start') hosts.set(e.node, { ...prev, status: 'running', task: task ?? prev.task, at: e.at, detail: null });
    else if (e.kind === 'ansible.runner_ok') hosts.set(e.node, { ...prev, status: 'ok', task: task ?? prev.task, at: e.at, okCount: prev.okCount + 1, detail: null });
    else if (e.kind === 'ansible.runner_failed')
      hosts.set(e.node, { ...prev, status: 'failed', task: task ?? prev.task, at: e.at, failedCount: prev.failedCount + 1, detail: str(e.data.message) ?? str(e.data.msg) });
  }
  return { resources: [...resources.values()], hosts: [...hosts.values()] };
}
