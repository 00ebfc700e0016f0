/**
 * Cluster locks in the ledger, so two consoles (or a console and a CLI) never
 * run on one cluster at once. A lock whose heartbeat is older than
 * `staleAfterMs` and whose owner process is gone can be taken over: a crashed
 * Keyturn must not block the next one forever.
 */
import { KeyturnError } from '../../shared/errors.ts';
import { nowIso } from './clock.ts';
import type { Ledger } from './open-ledger.ts';

export interface LockRow {
  scope: string;
  run_id: string;
  owner: string;
  acquired_at: string;
  heartbeat_at: string;
}

export interface AcquireOptions {
  staleAfterMs?: number;
  isOwnerAlive?: (owner: string) => boolean;
}

/** The `locked` error when a live run holds `scope`; a stale lock (old heartbeat, or its owner gone) is no obstacle. */
function heldBy(db: Ledger, scope: string, opts: AcquireOptions): { held: LockRow | undefined; refusal: KeyturnError | null } {
  const staleAfter = opts.staleAfterMs ?? 30_000;
  const held = db.prepare('SELECT * FROM locks WHERE scope = ?').get(scope) as LockRow | undefined;
  if (!held) return { held, refusal: null };
  const age = Date.now() - Date.parse(held.heartbeat_at);
  const alive = opts.isOwnerAlive ? opts.isOwnerAlive(held.owner) : true;
  if (age < staleAfter && alive) {
    return {
      held,
      refusal: new KeyturnError('locked', `'${scope}' is busy: run ${held.run_id} by ${held.owner} holds its lock (last heartbeat ${Math.round(age / 1000)} s ago).`,
        'Wait for that run to finish, or open it to pause or abort it.'),
    };
  }
  return { held, refusal: null };
}

/** Takes the lock on `scope` for `runId`, or throws `locked` naming who holds it. */
export function acquireLock(db: Ledger, scope: string, runId: string, owner: string, opts: AcquireOptions = {}): void {
  db.transaction(() => {
    const { held, refusal } = heldBy(db, scope, opts);
    if (refusal) throw refusal;
    if (held) db.prepare('DELETE FROM locks WHERE scope = ?').run(scope);
    const at = nowIso();
    db.prepare('INSERT INTO locks (scope, run_id, owner, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)').run(scope, runId, owner, at, at);
  }).immediate();
}

/**
 * Throws `locked` when `acquireLock` would refuse now, without taking the
 * lock: a command that spends minutes before its run starts (an upgrade asks
 * kc.sh first) says "busy" at once instead of after that work.
 */
export function assertLockFree(db: Ledger, scope: string, opts: AcquireOptions = {}): void {
  const { refusal } = heldBy(db, scope, opts);
  if (refusal) throw refusal;
}

/** Refreshes the heartbeat; returns false if the lock was lost (taken over). */
export function heartbeatLock(db: Ledger, scope: string, runId: string): boolean {
  return db.prepare('UPDATE locks SET heartbeat_at = ? WHERE scope = ? AND run_id = ?').run(nowIso(), scope, runId).changes === 1;
}

export function releaseLock(db: Ledger, scope: string, runId: string): void {
  db.prepare('DELETE FROM locks WHERE scope = ? AND run_id = ?').run(scope, runId);
}

export function getLock(db: Ledger, scope: string): LockRow | undefined {
  return db.prepare('SELECT * FROM locks WHERE scope = ?').get(scope) as LockRow | undefined;
}
