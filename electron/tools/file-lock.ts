/**
 * A lock file per resource, shared by every process on this host that may
 * touch it (the console, the CLI, test workers). Created with O_EXCL and the
 * holder's `pid@hostname` inside; a lock whose holder on this host is dead is
 * taken over, so a crash never leaves a resource locked for good. A live
 * holder is waited for, then the caller's own error names it.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';

export interface FileLockOptions {
  /** How long to wait for a live holder. */
  waitMs: number;
  pollMs?: number;
  signal?: AbortSignal;
  /** The error when the wait ends (names the holder, says what to do). */
  onTimeout: (holder: string) => Error;
  /** The error when `signal` aborts the wait. */
  onAbort?: () => Error;
}

/** `pid@hostname` of this process, as recorded in lock files and run owners. */
export function selfOwner(): string {
  return `${process.pid}@${hostname()}`;
}

/**
 * Whether the process named `pid@hostname` still exists. On another host it
 * can't be told, so it counts as alive (a heartbeat, where there is one,
 * decides).
 */
export function isOwnerAlive(owner: string): boolean {
  const m = /^(\d+)@(.+)$/.exec(owner);
  if (!m) return false;
  if (m[2] !== hostname()) return true;
  try {
    process.kill(Number(m[1]), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding the lock file at `path`; the lock is removed afterwards if it is still ours. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: FileLockOptions): Promise<T> {
  const me = selfOwner();
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    if (opts.signal?.aborted) throw opts.onAbort?.() ?? new Error(`Waiting for ${path} was cancelled.`);
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(`${me}\n`);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = (await readFile(path, 'utf8').catch(() => '')).trim();
    if (holder && !isOwnerAlive(holder)) {
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) throw opts.onTimeout(holder);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
  try {
    return await fn();
  } finally {
    if ((await readFile(path, 'utf8').catch(() => '')).trim() === me) await unlink(path).catch(() => undefined);
  }
}
