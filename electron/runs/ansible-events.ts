/**
 * Ansible's per-host, per-task progress as run events (source 'ansible'),
 * the same way for the lab build, an upgrade and a rollback, so the live
 * view groups them by node in every run.
 */
import type { AnsibleEvent } from '../tools/ansible.ts';
import type { RunRecorder } from './run-recorder.ts';

export function recordAnsibleEvent(rec: Pick<RunRecorder, 'event'>, e: AnsibleEvent, fallbackNode: string | null = null): void {
  rec.event('ansible', e.kind, e.level, { message: e.message, ...(e.task ? { task: e.task } : {}), ...e.data }, e.host ?? fallbackNode);
}
