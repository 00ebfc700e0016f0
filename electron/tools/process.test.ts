import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { createRedactor } from './redact.ts';
import { debianPackageFor, requireSuccess, runTool, type OutputStream } from './process.ts';

/** Running (not gone, and not a zombie waiting for a reaper that this container's init may never be). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function rejection(p: Promise<unknown>): Promise<KeyturnError> {
  const err = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KeyturnError);
  return err as KeyturnError;
}

describe('runTool', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyturn-process-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams lines while the program runs, including a final partial line', async () => {
    const seen: Array<{ stream: OutputStream; line: string }> = [];
    // The program goes on only once the test has received "one": a line delivered when the program ended
    // instead of while it ran would leave it waiting (and after 60 s it says so and exits 9).
    const flag = join(dir, 'seen-one');
    const script = 'echo one; i=0; while [ ! -e "$1" ]; do i=$((i+1)); [ $i -gt 600 ] && { echo "one was not streamed" >&2; exit 9; }; sleep 0.1; done; echo two >&2; printf partial';
    const result = await runTool({
      tool: 'sh',
      command: 'sh',
      args: ['-c', script, 'sh', flag],
      onLine: (stream, line) => {
        seen.push({ stream, line });
        if (line === 'one') writeFileSync(flag, '');
      },
    });
    expect(seen.map((s) => [s.stream, s.line])).toEqual([
      ['stdout', 'one'],
      ['stderr', 'two'],
      ['stdout', 'partial'],
    ]);
    expect(result).toMatchObject({ exitCode: 0, signal: null, stdout: 'one\npartial', stderr: 'two' });
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('returns a non-zero exit instead of throwing; requireSuccess turns it into tool-failed with the last stderr lines', async () => {
    const result = await runTool({ tool: 'sh', command: 'sh', args: ['-c', 'echo first >&2; echo "disk full" >&2; exit 3'] });
    expect(result.exitCode).toBe(3);
    const err = await rejection(Promise.resolve().then(() => requireSuccess(result, 'copying the backup')));
    expect(err.code).toBe('tool-failed');
    expect(err.message).toContain('copying the backup failed');
    expect(err.message).toContain('exited with code 3');
    expect(err.message).toContain('disk full');
    expect(err.hint.length).toBeGreaterThan(10);
  });

  it('passes arguments verbatim (no shell), feeds stdin and runs in cwd', async () => {
    const evil = '$(touch pwned); `id` && echo ; rm -rf /';
    const echoed = await runTool({ tool: 'printf', command: 'printf', args: ['%s', evil] });
    expect(echoed.stdout).toBe(evil);
    const cat = await runTool({ tool: 'cat', command: 'cat', args: [], input: 'from stdin\n' });
    expect(cat.stdout).toBe('from stdin');
    const pwd = await runTool({ tool: 'pwd', command: 'pwd', args: [], cwd: dir });
    expect(pwd.stdout).toBe(dir);
  });

  it('reports a missing program as tool-missing with its Debian package', async () => {
    const err = await rejection(runTool({ tool: 'backup', command: 'pg_dump', args: ['--version'], env: { PATH: '/nonexistent' } }));
    expect(err.code).toBe('tool-missing');
    expect(err.message).toContain('"pg_dump"');
    expect(err.hint).toContain('postgresql-client');
    const unknown = await rejection(runTool({ tool: 'x', command: 'keyturn-no-such-program', args: [] }));
    expect(unknown.code).toBe('tool-missing');
    expect(unknown.message).toContain('keyturn-no-such-program');
    expect(debianPackageFor('/usr/sbin/named')).toBe('bind9');
  });

  it('reports a missing working directory as not-found rather than a missing program', async () => {
    const err = await rejection(runTool({ tool: 'ls', command: 'ls', args: [], cwd: join(dir, 'nope') }));
    expect(err.code).toBe('not-found');
    expect(err.message).toContain(join(dir, 'nope'));
  });

  it('stops a program that runs past its timeout', async () => {
    // sleep 20 would end by itself with exit 0: a rejection with code timeout is the deadline at work.
    const err = await rejection(runTool({ tool: 'slow thing', command: 'sleep', args: ['20'], timeoutMs: 300, killGraceMs: 500 }));
    expect(err.code).toBe('timeout');
    expect(err.message).toContain('slow thing');
  });

  it('on abort kills the whole process tree, not just the child', async () => {
    const controller = new AbortController();
    let grandchild = 0;
    const run = runTool({
      tool: 'tree',
      command: 'sh',
      args: ['-c', 'sleep 30 & echo $!; wait'],
      signal: controller.signal,
      killGraceMs: 2_000,
      onLine: (_s, line) => {
        grandchild = Number(line);
        controller.abort();
      },
    });
    const err = await rejection(run);
    expect(err.code).toBe('aborted');
    expect(grandchild).toBeGreaterThan(0);
    // Gone long before its 30 s sleep would end (the kill is asynchronous, so look again for a while).
    for (let i = 0; i < 100 && isAlive(grandchild); i++) await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(grandchild)).toBe(false);
  });

  it('escalates to SIGKILL when the program ignores SIGTERM', async () => {
    const controller = new AbortController();
    const t0 = Date.now();
    const run = runTool({
      tool: 'stubborn',
      command: 'sh',
      args: ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'],
      signal: controller.signal,
      killGraceMs: 400,
      onLine: () => controller.abort(),
    });
    const err = await rejection(run);
    // The loop never ends by itself, so returning means it was killed; not before the grace period, which it ignored SIGTERM through.
    expect(err.code).toBe('aborted');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
  });

  it('lets the program finish and rethrows when a line listener throws', async () => {
    const lines: string[] = [];
    const err = await runTool({
      tool: 'sh',
      command: 'sh',
      args: ['-c', 'echo a; echo b; echo c'],
      onLine: (_s, l) => {
        lines.push(l);
        throw new Error('listener bug');
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('listener bug');
    expect(lines).toEqual(['a']);
  });

  it('refuses to start when the signal is already aborted', async () => {
    const err = await rejection(runTool({ tool: 'never', command: 'true', args: [], signal: AbortSignal.abort() }));
    expect(err.code).toBe('aborted');
  });

  it('redacts streamed lines and returned output', async () => {
    const lines: string[] = [];
    const result = await runTool({
      tool: 'leaky',
      command: 'sh',
      args: ['-c', 'echo "token is hunter2hunter2"; echo "password=abc123" >&2'],
      redact: createRedactor(['hunter2hunter2']),
      onLine: (_s, l) => lines.push(l),
    });
    expect(lines).toEqual(['token is ***', 'password=***']);
    expect(result.stdout).toBe('token is ***');
    expect(result.stderr).toBe('password=***');
  });
});

describe('children of a Keyturn that dies', () => {
  it('are killed with it (kill -9 of the engine leaves no playbook running on its own)', async () => {
    const { execa } = await import('execa');
    const { writeFile } = await import('node:fs/promises');
    const d = await mkdtemp(join(tmpdir(), 'keyturn-pdeath-'));
    try {
      const pidFile = join(d, 'child.pid');
      const script = join(d, 'engine.mts');
      await writeFile(script, `
        import { runTool } from ${JSON.stringify(join(process.cwd(), 'electron/tools/process.ts'))};
        await runTool({ tool: 'sleeper', command: 'sh', args: ['-c', 'echo $$ > ${pidFile}; exec sleep 60'] });
      `);
      const engine = execa(process.execPath, ['--import', 'tsx', script], { reject: false, cwd: process.cwd() });
      let childPid = 0;
      for (let i = 0; i < 100 && !childPid; i++) {
        await new Promise((r) => setTimeout(r, 100));
        try {
          childPid = Number(readFileSync(pidFile, 'utf8').trim());
        } catch {
          // not started yet
        }
      }
      expect(childPid).toBeGreaterThan(0);
      expect(isAlive(childPid)).toBe(true);
      engine.kill('SIGKILL');
      await engine;
      for (let i = 0; i < 50 && isAlive(childPid); i++) await new Promise((r) => setTimeout(r, 100));
      expect(isAlive(childPid)).toBe(false);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});
