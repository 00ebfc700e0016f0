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

/** Takes the lock on `scope` for `runId`, or throws `locked` naming who holds it. */
export function acquireLock(db: Ledger, scope: string, runId: string, owner: string, opts: AcquireOptions = {}): void {
  const staleAfter = opts.staleAfterMs ?? 30_000;
  db.transaction(() => {
    const held = db.prepare('SELECT * FROM locks WHERE scope = ?').get(scope) as LockRow | undefined;
    if (held) {
      const age = Date.now() - Date.parse(held.heartbeat_at);
      const alive = opts.isOwnerAlive ? opts.isOwnerAlive(held.owner) : true;
      if (age < staleAfter && alive) {
        throw new KeyturnError('locked', `'${scope}' is busy: run ${held.run_id} by ${held.owner} holds its lock (last heartbeat ${Math.round(age / 1000)} s ago).`,
          'Wait for that run to finish, or open it to pause or abort it.');
      }
      db.prepare('DELETE FROM locks WHERE scope = ?').run(scope);
    }
    const at = nowIso();
    db.prepare('INSERT INTO locks (scope, run_id, owner, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)').run(scope, runId, owner, at, at);
  }).immediate();
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
