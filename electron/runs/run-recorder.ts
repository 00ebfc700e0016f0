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
import { createRun, setRunOwner, setRunStatus, setStepStatus, type NewRun, type NewStep, type RunOrigin } from '../ledger/runs-repo.ts';
import { recordEvent, type EventBus } from './event-bus.ts';
import { isOwnerAlive } from './process-owner.ts';
import { createRedactor, type Redactor } from '../tools/redact.ts';

export interface RecorderDeps {
  db: Ledger;
  bus: EventBus;
  owner: string;
  /** Recorded on every run this process starts: console, browser or cli, and the host user (`user@host`). */
  origin?: { via: RunOrigin; startedBy: string };
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
  /** The run's redactor as it stands (its secrets and the secret patterns), for tool output written elsewhere. */
  redactor(): Redactor;
  succeed(summary?: Record<string, unknown>): void;
  fail(err: unknown): void;
  /** Stops here without failing: status `paused`, lock released, a later Resume continues. */
  pause(reason: string): void;
}

const heartbeatMs = 5_000;

/** Creates the run with its steps, takes the lock on `scope` and starts the heartbeat. */
export function beginRun(deps: RecorderDeps, scope: string, run: Omit<NewRun, 'owner'>, steps: NewStep[], secrets: string[] = []): RunRecorder {
  const runId = createRun(deps.db, { ...run, owner: deps.owner, ...(deps.origin ? { origin: deps.origin.via, startedBy: deps.origin.startedBy } : {}) }, steps);
  return attachRun(deps, scope, runId, steps, secrets);
}

/**
 * Takes over an existing run (a new one, or a paused/interrupted one being
 * resumed): lock, owner, status `running`, heartbeat.
 */
export function attachRun(deps: RecorderDeps, scope: string, runId: string, steps: NewStep[], secrets: string[] = []): RunRecorder {
  const { db, bus, owner } = deps;
  // One redactor for everything this run writes: its literal secrets (short ones as whole tokens) and the secret patterns.
  const known = new Set(secrets.filter((s) => s.length > 0));
  let redact = createRedactor([...known]);
  try {
    acquireLock(db, scope, runId, owner, { isOwnerAlive });
  } catch (err) {
    setRunStatus(db, runId, 'failed', redact, toErrorShape(err));
    throw err;
  }
  setRunOwner(db, runId, owner);
  setRunStatus(db, runId, 'running', redact);
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
      setStepStatus(db, runId, seq, 'running', redact);
      rec.event('engine', 'step.started', 'info', { seq, title, message: title }, steps[seq]?.node ?? null);
      try {
        const result = await fn();
        setStepStatus(db, runId, seq, 'succeeded', redact);
        rec.event('engine', 'step.succeeded', 'info', { seq, title, message: `${title}: done` }, steps[seq]?.node ?? null);
        return result;
      } catch (err) {
        const e = toErrorShape(err);
        setStepStatus(db, runId, seq, 'failed', redact, e.message);
        rec.event('engine', 'step.failed', 'error', { seq, title, message: `${title}: ${e.message}`, code: e.code, hint: e.hint }, steps[seq]?.node ?? null);
        throw err;
      }
    },
    skip(seq, reason) {
      setStepStatus(db, runId, seq, 'skipped', redact, reason);
      rec.event('engine', 'step.skipped', 'info', { seq, message: reason });
    },
    addSecrets(...values) {
      const before = known.size;
      for (const v of values) if (typeof v === 'string' && v.length > 0) known.add(v);
      if (known.size !== before) redact = createRedactor([...known]);
    },
    redactor: () => redact,
    succeed(summary = {}) {
      if (finished) return;
      setRunStatus(db, runId, 'succeeded', redact);
      rec.event('engine', 'run.succeeded', 'info', { message: 'Run succeeded', ...summary });
      finish();
    },
    pause(reason) {
      if (finished) return;
      setRunStatus(db, runId, 'paused', redact);
      rec.event('engine', 'run.paused', 'info', { message: reason });
      finish();
    },
    fail(err) {
      if (finished) return;
      const e = toErrorShape(err);
      const aborted = err instanceof KeyturnError && err.code === 'aborted';
      // setRunStatus redacts message, hint and details; the event carries the same text, redacted by recordEvent.
      setRunStatus(db, runId, aborted ? 'aborted' : 'failed', redact, e);
      rec.event('engine', aborted ? 'run.aborted' : 'run.failed', aborted ? 'warn' : 'error', { message: e.message, code: e.code, hint: e.hint });
      finish();
    },
  };
  return rec;
}
