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
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const record = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/**
 * Folds events (in seq order) into resource and host progress, in first-seen
 * order. Host events are the ones the Ansible adapter emits (electron/tools/
 * ansible.ts, recorded by electron/engine/ansible-events.ts): `task_start`,
 * `task_ok`, `task_skipped`, `task_failed`, `host_unreachable` with the host as
 * the event's node, and a closing `stats` recap that settles each host.
 */
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
    if (!e.kind.startsWith('ansible.')) continue;
    const task = str(e.data.task);
    if (e.kind === 'ansible.stats') {
      // The recap is the final word: a failure that ignore_errors or a rescue absorbed does not fail the host.
      for (const [node, counts] of Object.entries(record(e.data.stats) ?? {})) {
        const c = record(counts) ?? {};
        const prev = hosts.get(node) ?? { node, status: 'ok' as HostStatus, task: null, at: e.at, okCount: 0, failedCount: 0, detail: null };
        const failed = num(c.failures) > 0 || num(c.unreachable) > 0;
        hosts.set(node, { ...prev, status: failed ? 'failed' : 'ok', at: e.at, detail: failed ? prev.detail : null });
      }
      continue;
    }
    if (!e.node) {
      // A task start for the whole play (Ansible names no host): every host still in the play runs it.
      if (e.kind === 'ansible.task_start' && task) for (const [node, h] of hosts) if (h.status !== 'failed') hosts.set(node, { ...h, status: 'running', task, at: e.at });
      continue;
    }
    const prev = hosts.get(e.node) ?? { node: e.node, status: 'running' as HostStatus, task: null, at: e.at, okCount: 0, failedCount: 0, detail: null };
    const next = { ...prev, task: task ?? prev.task, at: e.at };
    if (e.kind === 'ansible.task_start') hosts.set(e.node, { ...next, status: 'running', detail: null });
    else if (e.kind === 'ansible.task_ok') hosts.set(e.node, { ...next, status: 'ok', okCount: prev.okCount + 1, detail: null });
    else if (e.kind === 'ansible.task_skipped') hosts.set(e.node, { ...next, status: 'ok', detail: null });
    else if (e.kind === 'ansible.task_failed' || e.kind === 'ansible.host_unreachable')
      hosts.set(e.node, { ...next, status: 'failed', failedCount: prev.failedCount + 1, detail: str(e.data.msg) ?? str(e.data.message) });
  }
  return { resources: [...resources.values()], hosts: [...hosts.values()] };
}
