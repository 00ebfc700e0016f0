/**
 * Pause and Abort requests, kept in the ledger so any Keyturn process (the
 * console, a CLI in another terminal) can steer a run that another process
 * executes. The executor reads the request between steps.
 */
import { KeyturnError } from '../../shared/errors.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { abortStoppedRun, runControlRow, setRunControl } from '../ledger/runs-repo.ts';

export type ControlRequest = 'pause' | 'abort';

const steerable = new Set(['pending', 'running']);

function runRow(db: Ledger, runId: string): { status: string; control: string | null } {
  const row = runControlRow(db, runId);
  if (!row) throw new KeyturnError('not-found', `No run with id ${runId}.`, 'Pick a run from the history.');
  return row;
}

/** Records a request; refuses runs that are not running (nothing would read it). */
export function requestControl(db: Ledger, runId: string, request: ControlRequest): void {
  const row = runRow(db, runId);
  if (!steerable.has(row.status)) {
    if (request === 'abort' && (row.status === 'paused' || row.status === 'interrupted')) {
      // A stopped run is aborted at once: nothing else will pick it up.
      abortStoppedRun(db, runId);
      return;
    }
    throw new KeyturnError('conflict', `Run ${runId} is ${row.status}; only a running run can be asked to ${request}.`, row.status === 'paused' ? 'Resume it, or abort it.' : 'Start a new run instead.');
  }
  setRunControl(db, runId, request);
}

/** The pending request of a run, if any. */
export function pendingControl(db: Ledger, runId: string): ControlRequest | null {
  return runRow(db, runId).control as ControlRequest | null;
}

export function clearControl(db: Ledger, runId: string): void {
  setRunControl(db, runId, null);
}
