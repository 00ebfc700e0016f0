import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../../shared/contract/index.ts';
import { foldLabProgress } from './lab-progress.ts';
import { eventMessage } from './event-format.ts';

let seq = 0;
const ev = (partial: Partial<RunEvent>): RunEvent => ({ runId: '00000000-0000-4000-8000-000000000001', seq: seq++, at: '2025-01-01T00:00:00Z', source: 'engine', node: null, level: 'info', kind: 'k', data: {}, ...partial });

describe('foldLabProgress', () => {
  it('keeps the latest state per resource and per host', () => {
    const p = foldLabProgress([
      ev({ source: 'terraform', kind: 'terraform.apply_start', data: { resource: 'terraform_data.db' } }),
      ev({ source: 'terraform', kind: 'terraform.apply_complete', data: { resource: 'terraform_data.db' } }),
      ev({ source: 'terraform', kind: 'terraform.apply_start', data: { resource: 'terraform_data.lb' } }),
      ev({ source: 'ansible', node: 'n1', kind: 'ansible.task_start', data: { task: 'Install' } }),
      ev({ source: 'ansible', node: 'n1', kind: 'ansible.runner_ok', data: { task: 'Install' } }),
      ev({ source: 'ansible', node: 'n2', kind: 'ansible.runner_failed', data: { task: 'Start', message: 'timeout' } }),
    ]);
    expect(p.resources.map((r) => [r.resource, r.status])).toEqual([
      ['terraform_data.db', 'complete'],
      ['terraform_data.lb', 'applying'],
    ]);
    expect(p.hosts.map((h) => [h.node, h.status, h.task])).toEqual([
      ['n1', 'ok', 'Install'],
      ['n2', 'failed', 'Start'],
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
