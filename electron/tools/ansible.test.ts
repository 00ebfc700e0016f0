import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { createRedactor } from './redact.ts';
import { parseAnsibleLine, runPlaybook, type AnsibleEvent } from './ansible.ts';

/** Real lines captured from ansible-playbook 2.14 with ANSIBLE_STDOUT_CALLBACK=ansible.posix.jsonl. */
const sample = readFileSync(new URL('./fixtures/ansible-jsonl.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean);

describe('parseAnsibleLine', () => {
  it('parses every captured line into a typed event', () => {
    expect(sample.map((l) => parseAnsibleLine(l)?.kind)).toEqual([
      'ansible.play_start',
      'ansible.task_start',
      'ansible.task_ok',
      'ansible.task_start',
      'ansible.task_ok',
      'ansible.task_start',
      'ansible.task_skipped',
      'ansible.task_start',
      'ansible.task_failed',
      'ansible.stats',
      'ansible.host_unreachable',
    ]);
  });

  it('names host and task, and keeps the module result (without its invocation) in data', () => {
    const ok = parseAnsibleLine(sample[2]!)!;
    expect(ok).toMatchObject({ kind: 'ansible.task_ok', level: 'info', host: 'localhost', task: 'say hello', message: 'ok: [localhost] say hello — hello world' });
    expect(ok.data).toMatchObject({ action: 'ansible.builtin.debug', changed: false, msg: 'hello world', taskPath: expect.stringContaining('pb.yml:') });
    const cmd = parseAnsibleLine(sample[4]!)!;
    expect(cmd.data['result']).toMatchObject({ stdout_lines: ['out', 'done'], rc: 0 });
    expect(cmd.data['result']).not.toHaveProperty('invocation');
    expect(parseAnsibleLine(sample[1]!)).toMatchObject({ kind: 'ansible.task_start', task: 'say hello', message: 'Task: say hello' });
    expect(parseAnsibleLine(sample[0]!)).toMatchObject({ kind: 'ansible.play_start', message: 'Play: tiny play' });
  });

  it('marks failures and unreachable hosts as errors with ansible\'s message', () => {
    const failed = parseAnsibleLine(sample[8]!)!;
    expect(failed).toMatchObject({ kind: 'ansible.task_failed', level: 'error', host: 'localhost', task: 'fail here' });
    expect(failed.message).toBe('failed: [localhost] fail here — non-zero return code (rc=4): boom');
    const unreachable = parseAnsibleLine(sample[10]!)!;
    expect(unreachable).toMatchObject({ kind: 'ansible.host_unreachable', level: 'error', host: 'ghost' });
    expect(unreachable.message).toContain('Connection refused');
    expect(parseAnsibleLine(sample[6]!)).toMatchObject({ kind: 'ansible.task_skipped', level: 'debug' });
    const stats = parseAnsibleLine(sample[9]!)!;
    expect(stats).toMatchObject({ kind: 'ansible.stats', level: 'error', data: { stats: { localhost: { failures: 1, ok: 2, skipped: 1 } } } });
  });

  it('turns non-JSON output into ansible.log and ignores blank lines', () => {
    expect(parseAnsibleLine('[WARNING]: No inventory was parsed', 'stderr')).toMatchObject({ kind: 'ansible.log', level: 'warn' });
    expect(parseAnsibleLine('ERROR! the playbook: x.yml could not be found', 'stderr')).toMatchObject({ kind: 'ansible.log', level: 'error' });
    expect(parseAnsibleLine('')).toBeNull();
  });
});

describe('runPlaybook against the real ansible-playbook', () => {
  let dir: string;
  const playbook = () => join(dir, 'site.yml');
  const inventory = () => join(dir, 'hosts');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyturn-playbook-test-'));
    await writeFile(inventory(), 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n');
    await writeFile(
      playbook(),
      [
        '- name: tiny play',
        '  hosts: all',
        '  gather_facts: false',
        '  tasks:',
        '    - name: say hello',
        '      ansible.builtin.debug:',
        '        msg: "hello {{ who | default(\'world\') }}"',
        // With `flag` set, the task goes on only once that file exists (the test creates it when it receives this task's start).
        '    - name: run a command',
        '      ansible.builtin.shell: |',
        '        f="{{ flag | default(\'\') }}"; i=0',
        '        while [ -n "$f" ] && [ ! -e "$f" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.1; done',
        '        echo out; echo done',
        '      changed_when: false',
        '    - name: tolerated failure',
        '      ansible.builtin.command: "false"',
        '      ignore_errors: true',
        '    - name: fail here',
        '      ansible.builtin.command: sh -c "echo boom >&2; exit 4"',
        '      when: fail | default(false) | bool',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams per-task, per-host events as they happen and returns the recap', async () => {
    const seen: AnsibleEvent[] = [];
    const flag = join(dir, 'seen-start');
    const varDirsBefore = new Set((await readdir(tmpdir())).filter((n) => n.startsWith('keyturn-ansible-')));
    const summary = await runPlaybook({
      playbook: playbook(),
      inventory: inventory(),
      hostKeys: [],
      extraVars: { who: 'keyturn-extra-secret', flag },
      redact: createRedactor(['keyturn-extra-secret']),
      onEvent: (e) => {
        seen.push(e);
        if (e.kind === 'ansible.task_start' && e.task === 'run a command') writeFileSync(flag, '');
      },
    });
    expect(summary.stats['localhost']).toMatchObject({ ok: 3, failures: 0, ignored: 1, skipped: 1 });
    const hello = seen.find((e) => e.kind === 'ansible.task_ok' && e.task === 'say hello');
    expect(hello).toMatchObject({ host: 'localhost', message: 'ok: [localhost] say hello — hello ***' });
    expect(JSON.stringify(seen)).not.toContain('keyturn-extra-secret');
    // The command task's start arrived while it was still running, not in a burst at the end: the task waited for it.
    const start = seen.findIndex((e) => e.kind === 'ansible.task_start' && e.task === 'run a command');
    const done = seen.findIndex((e) => e.kind === 'ansible.task_ok' && e.task === 'run a command');
    expect(start).toBeGreaterThanOrEqual(0);
    expect(done).toBeGreaterThan(start);
    expect(seen[done]!.data['result']).toMatchObject({ stdout_lines: ['out', 'done'], rc: 0 });
    expect(seen.find((e) => e.kind === 'ansible.task_skipped')).toMatchObject({ task: 'fail here', host: 'localhost' });
    // The ignored failure is reported as an event but did not fail the run.
    expect(seen.some((e) => e.kind === 'ansible.task_failed' && e.task === 'tolerated failure')).toBe(true);
    // The extra-vars file of this run is gone (other Keyturn processes on the machine may have their own).
    expect((await readdir(tmpdir())).filter((n) => n.startsWith('keyturn-ansible-') && !varDirsBefore.has(n))).toEqual([]);
  });

  it('throws tool-failed naming the host, the task and ansible\'s message', async () => {
    const err = (await runPlaybook({ playbook: playbook(), inventory: inventory(), hostKeys: [], extraVars: { fail: true } }).catch((e: unknown) => e)) as KeyturnError;
    expect(err).toBeInstanceOf(KeyturnError);
    expect(err.code).toBe('tool-failed');
    expect(err.message).toContain('failed: host localhost, task "fail here": non-zero return code (rc=4): boom');
    expect(err.message).not.toContain('tolerated failure');
    expect(err.details).toMatchObject({ exitCode: 2, failures: [{ host: 'localhost', task: 'fail here', unreachable: false }] });
  });

  it('reports unreachable hosts with the SSH error (debug runs on the controller, so the first remote task is the one that fails)', async () => {
    const inv = join(dir, 'hosts-ghost');
    await writeFile(inv, 'ghost ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh ansible_ssh_common_args="-o StrictHostKeyChecking=no -o ConnectTimeout=3"\n');
    const err = (await runPlaybook({ playbook: playbook(), inventory: inv, hostKeys: [] }).catch((e: unknown) => e)) as KeyturnError;
    expect(err.code).toBe('tool-failed');
    expect(err.message).toMatch(/unreachable: host ghost, task "run a command": .*Connection refused/);
    expect(err.hint).toContain('SSH');
  });

  it('reports a playbook ansible cannot even load from its stderr', async () => {
    const err = (await runPlaybook({ playbook: join(dir, 'missing.yml'), inventory: inventory(), hostKeys: [] }).catch((e: unknown) => e)) as KeyturnError;
    expect(err.code).toBe('tool-failed');
    expect(err.message).toContain('missing.yml');
    expect(err.message).toMatch(/could not be found/);
  });
});
