/**
 * The ssh adapter against a real OpenSSH server on 127.0.30.1 (see
 * test-support/sshd.ts): fingerprints must agree with ssh-keygen, the pinned
 * key must be enforced, and argv must survive the remote shell unchanged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { connectSsh, scanHostKey, shellQuote, type SshConnectOptions, type SshSession } from './ssh.ts';
import { freePort, sleep } from './test-support/daemon.ts';
import { startSshAgent, startSshd, sshKeygenFingerprint, type TestSshAgent, type TestSshd } from './test-support/sshd.ts';

let sshd: TestSshd;
let agent: TestSshAgent | undefined;
let pinned: string;
const sessions: SshSession[] = [];

beforeAll(async () => {
  sshd = await startSshd('127.0.30.1');
  pinned = (await sshKeygenFingerprint(sshd.hostKeyPubPath)).fingerprint;
});

afterAll(async () => {
  await Promise.allSettled(sessions.map((s) => s.close()));
  await agent?.stop();
  await sshd?.stop();
});

function options(extra: Partial<SshConnectOptions> = {}): SshConnectOptions {
  return { host: sshd.host, port: sshd.port, user: sshd.user, keyPath: sshd.clientKeyPath, pinnedFingerprint: pinned, timeoutMs: 10_000, ...extra };
}

async function connect(extra: Partial<SshConnectOptions> = {}): Promise<SshSession> {
  const session = await connectSsh(options(extra));
  sessions.push(session);
  return session;
}

/** Runs `fn`, expecting a KeyturnError, and returns it for closer assertions. */
async function keyturnError(fn: () => Promise<unknown>): Promise<KeyturnError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyturnError);
    return err as KeyturnError;
  }
  throw new Error('expected a KeyturnError, got success');
}

describe('scanHostKey', () => {
  it('reports the same fingerprint as ssh-keygen -lf on the host key', async () => {
    const expected = await sshKeygenFingerprint(sshd.hostKeyPubPath);
    const scanned = await scanHostKey({ host: sshd.host, port: sshd.port, timeoutMs: 5000 });
    const pub = readFileSync(sshd.hostKeyPubPath, 'utf8').trim().split(/\s+/);
    // The whole key is kept too (what a known_hosts line holds), exactly as the .pub file has it.
    expect(scanned).toEqual({ algorithm: 'ssh-ed25519', fingerprint: expected.fingerprint, publicKey: pub[1] });
    expect(scanned.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('fails fast with ssh-failed on a closed port, naming host:port', async () => {
    const port = await freePort('127.0.30.1');
    // Fast means it took the kernel's refusal rather than waiting out the 60 s deadline (which would say so, with code timeout).
    const err = await keyturnError(() => scanHostKey({ host: '127.0.30.1', port, timeoutMs: 60_000 }));
    expect(err.code).toBe('ssh-failed');
    expect(err.message).toContain(`127.0.30.1:${port}`);
    expect(err.message).toContain('connection refused');
    expect(err.hint).toMatch(/sshd is running/);
  });

  it('times out with ssh-failed when the port accepts but never speaks SSH', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.30.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const err = await keyturnError(() => scanHostKey({ host: '127.0.30.1', port, timeoutMs: 300 }));
      expect(err.code).toBe('ssh-failed');
      expect(err.message).toContain('no SSH handshake within 300 ms');
    } finally {
      silent.close();
    }
  });
});

describe('connectSsh', () => {
  it('logs in with the pinned host key and runs a command', async () => {
    const session = await connect();
    expect(session.hostKey.fingerprint).toBe(pinned);
    const result = await session.exec(['echo', 'hi']);
    expect(result).toEqual({ exitCode: 0, signal: null, stdout: 'hi\n', stderr: '' });
    await session.close();
    await expect(session.exec(['true'])).rejects.toMatchObject({ code: 'ssh-failed' });
  });

  it('logs in with an RSA key and with an encrypted key plus passphrase', async () => {
    const rsa = await connect({ keyPath: sshd.clientRsaKeyPath });
    expect((await rsa.exec(['id', '-un'])).stdout.trim()).toBe(sshd.user);
    const enc = await connect({ keyPath: sshd.encryptedKeyPath, passphrase: sshd.passphrase });
    expect((await enc.exec(['id', '-un'])).stdout.trim()).toBe(sshd.user);
  });

  it('logs in through ssh-agent', async () => {
    agent = await startSshAgent(sshd.dir, [sshd.clientKeyPath]);
    const session = await connect({ keyPath: undefined, agent: agent.socketPath });
    expect((await session.exec(['echo', 'via-agent'])).stdout).toBe('via-agent\n');
  });

  it('refuses a host whose key differs from the pinned one, showing both fingerprints', async () => {
    const wrong = 'SHA256:' + 'A'.repeat(43);
    const err = await keyturnError(() => connect({ pinnedFingerprint: wrong }));
    expect(err.code).toBe('host-key-mismatch');
    expect(err.message).toContain(`pinned ${wrong}`);
    expect(err.message).toContain(`presented ${pinned}`);
    expect(err.hint).toMatch(/re-pin/);
  });

  it('negotiates only the pinned key type, and treats a host without it as a changed key', async () => {
    const session = await connect({ pinnedAlgorithm: 'ssh-ed25519' });
    expect(session.hostKey).toMatchObject({ algorithm: 'ssh-ed25519', fingerprint: pinned });
    const err = await keyturnError(() => connect({ pinnedAlgorithm: 'ecdsa-sha2-nistp256' }));
    expect(err.code).toBe('host-key-mismatch');
    expect(err.message).toContain('no longer offers a ecdsa-sha2-nistp256 key');
  });

  it('closes the session when the connect signal aborts later, cancelling the running command', async () => {
    const controller = new AbortController();
    const session = await connect({ signal: controller.signal });
    const pending = session.exec(['sleep', '20']);
    setTimeout(() => controller.abort(), 200);
    await expect(pending).rejects.toMatchObject({ code: 'aborted', message: expect.stringContaining('SSH session to') });
    await expect(session.exec(['true'])).rejects.toMatchObject({ code: 'ssh-failed' });
  });

  it('refuses to connect without a pinned fingerprint', async () => {
    const err = await keyturnError(() => connect({ pinnedFingerprint: null }));
    expect(err.code).toBe('host-key-unconfirmed');
  });

  it('reports ssh-failed naming user@host and the key when the server refuses the key', async () => {
    const err = await keyturnError(() => connect({ keyPath: sshd.strangerKeyPath }));
    expect(err.code).toBe('ssh-failed');
    expect(err.message).toContain(`${sshd.user}@${sshd.host}:${sshd.port}`);
    expect(err.message).toContain(sshd.strangerKeyPath);
    expect(err.hint).toMatch(/authorized_keys/);
  });

  it('reports a wrong or missing passphrase without ever showing it', async () => {
    const bad = 'not-the-passphrase-1234';
    const wrong = await keyturnError(() => connect({ keyPath: sshd.encryptedKeyPath, passphrase: bad }));
    expect(wrong.code).toBe('ssh-failed');
    expect(wrong.message).toContain('passphrase does not open it');
    expect(JSON.stringify(wrong.toJSON())).not.toContain(bad);
    const missing = await keyturnError(() => connect({ keyPath: sshd.encryptedKeyPath }));
    expect(missing.message).toContain('no passphrase was given');
  });

  it('reports ssh-failed fast on a closed port', async () => {
    const port = await freePort('127.0.30.1');
    const err = await keyturnError(() => connect({ port }));
    expect(err.code).toBe('ssh-failed');
    expect(err.message).toContain(`127.0.30.1:${port}`);
    expect(err.message).toContain('connection refused');
  });

  it('honours an already aborted signal without connecting', async () => {
    const err = await keyturnError(() => connect({ signal: AbortSignal.abort() }));
    expect(err.code).toBe('aborted');
  });
});

/**
 * The `sleep <duration>` processes still on the host, polled for up to 10 s
 * until there are none: a kill is on its way right after a rejection, and a
 * slow machine may take more than a moment to land it.
 */
async function sleepsLeft(on: SshSession, duration: string): Promise<string> {
  let left = '';
  for (let i = 0; i < 100; i++) {
    // the [p] keeps pgrep from matching its own shell
    left = (await on.exec(['sh', '-c', 'pgrep -af "$1" || true', 'sh', `slee[p] ${duration}`])).stdout;
    if (left === '') break;
    await sleep(100);
  }
  return left;
}

describe('exec', () => {
  let session: SshSession;
  beforeAll(async () => {
    session = await connect();
  });

  it('streams lines from stdout and stderr as they arrive', async () => {
    const seen: Array<{ line: string; stream: string }> = [];
    // The command goes on only once the test has received 'one' (sshd runs here, so the flag file is on the same disk):
    // lines replayed at the end instead of streamed would leave it waiting, and it would say so.
    const flag = join(await mkdtemp(join(tmpdir(), 'keyturn-ssh-stream-')), 'seen-one');
    const script = 'echo one; i=0; while [ ! -e "$1" ]; do i=$((i+1)); [ $i -gt 600 ] && { echo "one was not streamed" >&2; exit 9; }; sleep 0.1; done; echo two >&2; printf three';
    const result = await session.exec(['sh', '-c', script, 'sh', flag], {
      onLine: (line, stream) => {
        seen.push({ line, stream });
        if (line === 'one') writeFileSync(flag, '');
      },
    });
    await rm(dirname(flag), { recursive: true, force: true });
    expect(result.exitCode).toBe(0);
    expect(seen.map(({ line, stream }) => [line, stream])).toEqual([
      ['one', 'stdout'],
      ['two', 'stderr'],
      ['three', 'stdout'],
    ]);
    expect(result.stdout).toBe('one\nthree');
    expect(result.stderr).toBe('two\n');
  });

  it('passes arguments through the remote shell unchanged', async () => {
    const tricky = ['it\'s "quoted" $HOME ;', '', 'a\nb', 'back\\slash', '*', '$(id)', '`id`', '=x', '~', 'ünïcødé'];
    const result = await session.exec(['printf', '[%s]\\n', ...tricky]);
    expect(result.stdout).toBe(tricky.map((t) => `[${t}]\n`).join(''));
  });

  it('returns non-zero exit codes and stderr instead of throwing', async () => {
    const result = await session.exec(['sh', '-c', 'echo oops >&2; exit 3']);
    expect(result).toMatchObject({ exitCode: 3, stderr: 'oops\n' });
  });

  it('feeds stdin and closes it', async () => {
    expect((await session.exec(['cat'], { stdin: 'line1\nline2\n' })).stdout).toBe('line1\nline2\n');
    expect((await session.exec(['cat'])).stdout).toBe('');
  });

  it('stops a command at its timeout and when its signal aborts, killing it on the host; the session stays usable', async () => {
    // A sleep with an odd duration we can look for on the host afterwards.
    const duration = (30 + Math.random()).toFixed(5);
    const sleeper = ['sh', '-c', `sleep ${duration}; echo survived`];
    // Both reject (a sleep of 30 s would otherwise resolve with 'survived'), by their own mechanism.
    await expect(session.exec(sleeper, { timeoutMs: 400 })).rejects.toMatchObject({ code: 'timeout', message: expect.stringContaining('within 400 ms') });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    await expect(session.exec(sleeper, { signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
    // The kill runs right after the rejection: the sleeps are gone long before they would end by themselves.
    expect(await sleepsLeft(session, duration)).toBe('');
    expect((await session.exec(['echo', 'still here'])).stdout).toBe('still here\n');
  });

  it('leaves nothing running when a command is cancelled before it has even started', async () => {
    const duration = (30 + Math.random()).toFixed(5);
    // A 1 ms deadline fires before the channel is even open.
    await expect(session.exec(['sleep', duration], { timeoutMs: 1 })).rejects.toMatchObject({ code: 'timeout' });
    // Past the 3 s the session waits for a late channel's pid (ssh-exec.ts): a sleep that survives that stays for 30 s.
    // Then up to 10 s for the kill to land, however slow the machine.
    await sleep(3500);
    expect(await sleepsLeft(session, duration)).toBe('');
  });
});

describe('shellQuote', () => {
  it('leaves plain words alone and single-quotes the rest', () => {
    expect(shellQuote(['systemctl', 'restart', 'keycloak.service', '--now'])).toBe('systemctl restart keycloak.service --now');
    expect(shellQuote(['echo', "it's", '', 'a b'])).toBe("echo 'it'\\''s' '' 'a b'");
  });

  it('refuses NUL bytes and empty commands', () => {
    expect(() => shellQuote(['echo', 'a\0b'])).toThrow(KeyturnError);
    expect(() => shellQuote([])).toThrow(KeyturnError);
  });
});
