/**
 * Run and lock owners are recorded as `pid@hostname`. On this host we can
 * tell whether that process still exists; for another host we can't, so we
 * assume it is alive and let the lock's heartbeat age decide. The check
 * itself lives with the lock files in `tools/file-lock.ts`.
 */
export { isOwnerAlive } from '../tools/file-lock.ts';
