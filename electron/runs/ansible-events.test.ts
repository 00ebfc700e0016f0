/**
 * Ansible progress as the console receives it, with nothing invented: a real
 * playbook run by the real ansible-playbook through the adapter, recorded
 * into a real ledger by `recordAnsibleEvent`, and read back as the console
 * reads it (one host passes, one fails).
 *
 * The same run is the source of the fixture the sandbox build view is tested
 * on (renderer/src/features/runs/fixtures/ansible-lab-events.json, folded by
 * lab-progress.test.ts; the renderer may not import electron/, so the fold
 * runs there): record it again with `KEYTURN_RECORD_FIXTURES=1 npx vitest run
 * --project unit electron/engine/ansible-events.test.ts`. Without that
 * variable this test fails when the fixture no longer has the kinds, hosts
 * and tasks a real run produces.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { createRun, listEvents } from '../ledger/runs-repo.ts';
import { EventBus, recordEvent } from './event-bus.ts';
import { runPlaybook } from '../tools/ansible.ts';
import { recordAnsibleEvent } from './ansible-events.ts';
import { createRedactor } from '../tools/redact.ts';

const fixturePath = fileURLToPath(new URL('../../renderer/src/features/runs/fixtures/ansible-lab-events.json', import.meta.url));

const playbookText = [
  '- name: lab progress',
  '  hosts: all',
  '  gather_facts: false',
  '  tasks:',
  '    - name: Install',
  '      ansible.builtin.command: "true"',
  '      changed_when: false',
  '    - name: Start',
  '      ansible.builtin.command: sh -c "echo address already in use >&2; exit 3"',
  "      when: inventory_hostname == 'bad.example'",
  '    - name: Check',
  '      ansible.builtin.debug:',
  '        msg: ready',
  '',
].join('\n');

let dir: string;
let events: RunEvent[];
let failure: unknown;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyturn-ansible-events-'));
  const py = 'ansible_connection=local ansible_python_interpreter=/usr/bin/python3';
  await writeFile(join(dir, 'hosts'), `ok.example ${py}\nbad.example ${py}\n`);
  await writeFile(join(dir, 'site.yml'), playbookText);
  const db = openLedger(':memory:');
  const bus = new EventBus();
  const runId = createRun(db, { clusterId: null, kind: 'upgrade' });
  const rec = { event: (source: RunEvent['source'], kind: string, level: RunEvent['level'], data: Record<string, unknown>, node: string | null = null) => void recordEvent(db, bus, { runId, source, kind, level, data, node }, createRedactor([])) };
  failure = await runPlaybook({ playbook: join(dir, 'site.yml'), inventory: join(dir, 'hosts'), hostKeys: [], onEvent: (e) => recordAnsibleEvent(rec, e) }).then(() => null, (err: unknown) => err);
  events = listEvents(db, runId, -1, 10_000);
  if (process.env['KEYTURN_RECORD_FIXTURES'] === '1') await writeFile(fixturePath, `${JSON.stringify(events, null, 1)}\n`);
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What identifies an event regardless of timing: hosts run in parallel, so order between them varies. */
const shape = (list: readonly RunEvent[]) => list.map((e) => `${e.kind} ${e.node ?? '-'} ${String(e.data['task'] ?? '')}`).sort();

describe('a real playbook run, recorded and folded', () => {
  it('fails the run naming the failed host', () => {
    expect(failure).toBeInstanceOf(KeyturnError);
    expect((failure as KeyturnError).message).toContain('failed: host bad.example, task "Start"');
  });

  it('records per-host results under the kinds the adapter emits', () => {
    const kinds = new Set(events.map((e) => e.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['ansible.task_start', 'ansible.task_ok', 'ansible.task_skipped', 'ansible.task_failed', 'ansible.stats']));
    expect(events.filter((e) => e.kind === 'ansible.task_ok').map((e) => `${e.node} ${String(e.data['task'])}`).sort()).toEqual(['bad.example Install', 'ok.example Check', 'ok.example Install']);
    expect(events.find((e) => e.kind === 'ansible.task_failed')).toMatchObject({ source: 'ansible', node: 'bad.example', level: 'error', data: { task: 'Start', msg: expect.stringContaining('address already in use') as string } });
  });

  it('starts each task once for the whole play, and closes with a recap per host', () => {
    expect(events.filter((e) => e.kind === 'ansible.task_start').map((e) => [e.node, e.data['task']])).toEqual([[null, 'Install'], [null, 'Start'], [null, 'Check']]);
    expect(events.find((e) => e.kind === 'ansible.task_skipped')).toMatchObject({ node: 'ok.example', data: { task: 'Start' } });
    expect(events.at(-1)).toMatchObject({ kind: 'ansible.stats', node: null, data: { stats: { 'ok.example': { ok: 2, failures: 0 }, 'bad.example': { ok: 1, failures: 1 } } } });
  });

  it('matches the recorded fixture the renderer test folds', async () => {
    const recorded = JSON.parse(await readFile(fixturePath, 'utf8')) as RunEvent[];
    expect(shape(recorded)).toEqual(shape(events));
  });
});
