/**
 * Run and lock owners are recorded as `pid@hostname`. On this host we can
 * tell whether that process still exists; for another host we can't, so we
 * assume it is alive and let the lock's heartbeat age decide.
 */
import { hostname } from 'node:os';

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
