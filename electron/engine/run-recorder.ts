/**
 * A recorded run: its steps are written to the ledger before anything
 * executes, each step's start and outcome is recorded, every line of output
 * becomes a redacted event (persisted, then emitted), and the run holds a
 * lock with a heartbeat for as long as it lives.
 *
 * This is the ledger side of the engine; strategies decide what the steps do.
 */
import type { EventLevel, EventSource } from '../../shared/contract/index.ts';
import { KeyturnError, toErrorShape } from '../../shared/errors.ts';
import { acquireLock, heartbeatLock, releaseLock } from '../ledger/locks-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { createRun, setRunStatus, setStepStatus, type NewRun, type NewStep } from '../ledger/runs-repo.ts';
import { recordEvent, type EventBus } from '../services/event-bus.ts';
import { isOwnerAlive } from '../services/process-owner.ts';

export interface RecorderDeps {
  db: Ledger;
  bus: EventBus;
  owner: string;
}

export interface RunRecorder {
  runId: string;
  /** Records an event (redacted with the run's secrets). */
  event(source: EventSource, kind: string, level: EventLevel, data: Record<string, unknown>, node?: string | null): void;
  /** Runs step `seq`: marks it running, then succeeded or failed (rethrowing). */
  step<T>(seq: number, fn: () => Promise<T>): Promise<T>;
  /** Marks a step skipped with a reason. */
  skip(seq: number, reason: string): void;
  /** Adds secrets to redact from now on (values learned during the run). */
  addSecrets(...values: string[]): void;
  succeed(summary?: Record<string, unknown>): void;
  fail(err: unknown): void;
  /** Stops here without failing: status `paused`, lock released, a later Resume continues. */
  pause(reason: string): void;
}

const heartbeatMs = 5_000;

/** Creates the run with its steps, takes the lock on `scope` and starts the heartbeat. */
export function beginRun(deps: RecorderDeps, scope: string, run: Omit<NewRun, 'owner'>, steps: NewStep[], secrets: string[] = []): RunRecorder {
  const runId = createRun(deps.db, { ...run, owner: deps.owner }, steps);
  return attachRun(deps, scope, runId, steps, secrets);
}

/**
 * Takes over an existing run (a new one, or a paused/interrupted one being
 * resumed): lock, owner, status `running`, heartbeat.
 */
export function attachRun(deps: RecorderDeps, scope: string, runId: string, steps: NewStep[], secrets: string[] = []): RunRecorder {
  const { db, bus, owner } = deps;
  try {
    acquireLock(db, scope, runId, owner, { isOwnerAlive });
  } catch (err) {
    setRunStatus(db, runId, 'failed', toErrorShape(err));
    throw err;
  }
  db.prepare('UPDATE runs SET owner = ? WHERE id = ?').run(owner, runId);
  setRunStatus(db, runId, 'running');
  const known = new Set(secrets.filter((s) => s.length >= 4));
  const redact = (s: string) => {
    let out = s;
    for (const secret of known) out = out.split(secret).join('***');
    return out;
  };
  const timer = setInterval(() => heartbeatLock(db, scope, runId), heartbeatMs);
  timer.unref();
  let finished = false;
  const finish = () => {
    finished = true;
    clearInterval(timer);
    releaseLock(db, scope, runId);
  };

  const rec: RunRecorder = {
    runId,
    event(source, kind, level, data, node = null) {
      recordEvent(db, bus, { runId, source, kind, level, data, node }, redact);
    },
    async step(seq, fn) {
      const title = steps[seq]?.title ?? `step ${seq}`;
      setStepStatus(db, runId, seq, 'running');
      rec.event('engine', 'step.started', 'info', { seq, title, message: title }, steps[seq]?.node ?? null);
      try {
        const result = await fn();
        setStepStatus(db, runId, seq, 'succeeded');
        rec.event('engine', 'step.succeeded', 'info', { seq, title, message: `${title}: done` }, steps[seq]?.node ?? null);
        return result;
      } catch (err) {
        const e = toErrorShape(err);
        setStepStatus(db, runId, seq, 'failed', redact(e.message));
        rec.event('engine', 'step.failed', 'error', { seq, title, message: `${title}: ${e.message}`, code: e.code, hint: e.hint }, steps[seq]?.node ?? null);
        throw err;
      }
    },
    skip(seq, reason) {
      setStepStatus(db, runId, seq, 'skipped', reason);
      rec.event('engine', 'step.skipped', 'info', { seq, message: reason });
    },
    addSecrets(...values) {
      for (const v of values) if (v.length >= 4) known.add(v);
    },
    succeed(summary = {}) {
      if (finished) return;
      setRunStatus(db, runId, 'succeeded');
      rec.event('engine', 'run.succeeded', 'info', { message: 'Run succeeded', ...summary });
      finish();
    },
    pause(reason) {
      if (finished) return;
      setRunStatus(db, runId, 'paused');
      rec.event('engine', 'run.paused', 'info', { message: reason });
      finish();
    },
    fail(err) {
      if (finished) return;
      const e = toErrorShape(err);
      const safe = { ...e, message: redact(e.message), hint: redact(e.hint) };
      const aborted = err instanceof KeyturnError && err.code === 'aborted';
      setRunStatus(db, runId, aborted ? 'aborted' : 'failed', safe);
      rec.event('engine', aborted ? 'run.aborted' : 'run.failed', aborted ? 'warn' : 'error', { message: safe.message, code: safe.code, hint: safe.hint });
      finish();
    },
  };
  return rec;
}
