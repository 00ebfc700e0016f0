/**
 * Plumbing shared by the test helpers that start real daemons (sshd, haproxy,
 * named, tiny HTTP servers).
 *
 * Adapter tests run against the real programs, so a helper must never leave a
 * process behind: every daemon is stopped in `afterAll`, and as a last resort
 * a synchronous `process.on('exit')` hook kills whatever a crashed worker left.
 * Daemons run in the foreground (`-D`, `-db`, `-g`) so the child we spawn is
 * the daemon itself and its pid is the one we kill.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';

/** A started daemon: its recent output (for failure messages) and a stop that always settles. */
export interface Daemon {
  readonly name: string;
  readonly pid: number | undefined;
  /** The last ~64 KiB of stdout+stderr, to explain why a test failed. */
  output(): string;
  /** True once the process has exited (for whatever reason). */
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ResultPromise>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Starts `file args` (never through a shell) in the foreground and keeps its output tail. */
export function spawnDaemon(name: string, file: string, args: readonly string[], env?: Record<string, string>): Daemon {
  installExitHook();
  const child = execa(file, args, {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    env: env ?? {},
    extendEnv: env === undefined,
  });
  live.add(child);
  let tail = '';
  let done = false;
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const finished = child.then(() => {
    done = true;
    live.delete(child);
  });
  return {
    name,
    pid: child.pid,
    output: () => tail,
    exited: () => done,
    async stop(graceMs = 3000) {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await finished;
      clearTimeout(timer);
    },
  };
}

/** A temporary directory for one daemon's config, keys and sockets. */
export async function makeTempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `keyturn-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A port that is free on `address` right now. There is a small race between
 * closing our probe and the daemon binding it; the per-suite addresses in
 * 127.0.30.0/24 make a collision very unlikely.
 */
export function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once a TCP connection to host:port succeeds; rejects with the daemon's output on timeout or early exit. */
export async function waitForPort(host: string, port: number, daemon: Daemon, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon.exited()) throw new Error(`${daemon.name} exited before listening on ${host}:${port}:\n${daemon.output()}`);
    if (await canConnect(host, port)) return;
    await sleep(50);
  }
  throw new Error(`${daemon.name} did not listen on ${host}:${port} within ${timeoutMs} ms:\n${daemon.output()}`);
}

/** Polls `check` until it returns true; used for "the daemon says it is ready" lines and files. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, daemon?: Daemon): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon?.exited()) throw new Error(`${daemon.name} exited while waiting for ${what}:\n${daemon.output()}`);
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}${daemon ? `:\n${daemon.output()}` : ''}`);
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
