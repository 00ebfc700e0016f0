import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runEventSchema, type RunEvent } from '../../../../shared/contract/index.ts';
import { foldLabProgress } from './lab-progress.ts';
import { eventMessage } from './event-format.ts';
/**
 * Events of a real run, not written by hand: ansible-playbook ran a tiny playbook on two
 * local hosts (ok.example passes, bad.example fails its "Start" task) through Keyturn's
 * Ansible adapter, `recordAnsibleEvent` stored them in a ledger, and they were read back
 * as the console reads them. Recorded by electron/engine/ansible-events.test.ts
 * (`KEYTURN_RECORD_FIXTURES=1 npx vitest run --project unit electron/engine/ansible-events.test.ts`),
 * which also fails when a run no longer produces these kinds, hosts and tasks.
 */
import recordedRun from './fixtures/ansible-lab-events.json';

const recorded = z.array(runEventSchema).parse(recordedRun);

let seq = 0;
const ev = (partial: Partial<RunEvent>): RunEvent => ({ runId: '00000000-0000-4000-8000-000000000001', seq: seq++, at: '2025-01-01T00:00:00Z', source: 'engine', node: null, level: 'info', kind: 'k', data: {}, ...partial });

describe('foldLabProgress', () => {
  it('keeps the latest state per Terraform resource', () => {
    const p = foldLabProgress([
      ev({ source: 'terraform', kind: 'terraform.apply_start', data: { resource: 'terraform_data.db' } }),
      ev({ source: 'terraform', kind: 'terraform.apply_complete', data: { resource: 'terraform_data.db' } }),
      ev({ source: 'terraform', kind: 'terraform.apply_start', data: { resource: 'terraform_data.lb' } }),
      ev({ source: 'terraform', kind: 'terraform.apply_start', data: { resource: 'terraform_data.dns' } }),
      ev({ source: 'terraform', kind: 'terraform.apply_errored', data: { resource: 'terraform_data.dns', message: 'nsupdate refused' } }),
    ]);
    expect(p.resources.map((r) => [r.resource, r.status, r.detail])).toEqual([
      ['terraform_data.db', 'complete', null],
      ['terraform_data.lb', 'applying', null],
      ['terraform_data.dns', 'errored', 'nsupdate refused'],
    ]);
  });

  it('shows the hosts of a recorded real playbook run: one ok, one failed with Ansible\'s message', () => {
    const { hosts, resources } = foldLabProgress(recorded);
    expect(resources).toEqual([]);
    expect(hosts.map((h) => h.node).sort()).toEqual(['bad.example', 'ok.example']);
    const ok = hosts.find((h) => h.node === 'ok.example')!;
    const bad = hosts.find((h) => h.node === 'bad.example')!;
    expect(ok).toMatchObject({ status: 'ok', task: 'Check', okCount: 2, failedCount: 0, detail: null });
    expect(bad).toMatchObject({ status: 'failed', task: 'Start', okCount: 1, failedCount: 1 });
    expect(bad.detail).toMatch(/rc=3.*address already in use/);
  });

  it('shows a host running while its task has started and not finished', () => {
    // The run cut off right after the second task started: both hosts are in it.
    const cut = recorded.findIndex((e) => e.kind === 'ansible.task_start' && e.data['task'] === 'Start');
    expect(cut).toBeGreaterThan(0);
    const { hosts } = foldLabProgress(recorded.slice(0, cut + 1));
    expect(hosts.map((h) => [h.node, h.status, h.task]).sort()).toEqual([
      ['bad.example', 'running', 'Start'],
      ['ok.example', 'running', 'Start'],
    ]);
  });

  it('settles a host by the recap: a failure that ignore_errors absorbed leaves it ok', () => {
    const p = foldLabProgress([
      ev({ source: 'ansible', node: 'n1', kind: 'ansible.task_failed', level: 'error', data: { task: 'Probe', msg: 'not yet' } }),
      ev({ source: 'ansible', node: 'n2', kind: 'ansible.host_unreachable', level: 'error', data: { task: 'Probe', msg: 'Connection refused' } }),
      ev({ source: 'ansible', kind: 'ansible.stats', data: { stats: { n1: { ok: 1, failures: 0, ignored: 1 }, n2: { ok: 0, unreachable: 1 } } } }),
    ]);
    expect(p.hosts.map((h) => [h.node, h.status, h.failedCount, h.detail])).toEqual([
      ['n1', 'ok', 1, null],
      ['n2', 'failed', 1, 'Connection refused'],
    ]);
  });
});

describe('eventMessage', () => {
  it('prefers data.message, then data.line, then compact JSON', () => {
    expect(eventMessage(ev({ data: { message: 'm', line: 'l' } }))).toBe('m');
    expect(eventMessage(ev({ data: { line: 'l' } }))).toBe('l');
    expect(eventMessage(ev({ data: { a: 1 } }))).toBe('{"a":1}');
    expect(eventMessage(ev({ data: {} }))).toBe('');
  });
});
