import { describe, expect, it } from 'vitest';
import { openLedger } from '../ledger/open-ledger.ts';
import { acquireLock, getLock } from '../ledger/locks-repo.ts';
import { createRun, getRun, markRunInterrupted } from '../ledger/runs-repo.ts';
import { clearControl, pendingControl, requestControl } from './run-control.ts';

describe('run control requests', () => {
  it('are kept in the ledger and shown on the run until carried out', () => {
    const db = openLedger(':memory:');
    const runId = createRun(db, { clusterId: null, kind: 'upgrade' });
    expect(getRun(db, runId).run.control).toBeNull();
    requestControl(db, runId, 'pause');
    expect(getRun(db, runId).run.control).toBe('pause');
    requestControl(db, runId, 'abort');
    requestControl(db, runId, 'pause'); // a pause never downgrades an abort
    expect(pendingControl(db, runId)).toBe('abort');
    expect(getRun(db, runId).run.control).toBe('abort');
    clearControl(db, runId);
    expect(getRun(db, runId).run.control).toBeNull();
  });

  it('abort a stopped run at once and refuse runs that ended', () => {
    const db = openLedger(':memory:');
    const paused = createRun(db, { clusterId: null, kind: 'upgrade' });
    db.prepare(`UPDATE runs SET status = 'paused' WHERE id = ?`).run(paused);
    requestControl(db, paused, 'abort');
    expect(getRun(db, paused).run).toMatchObject({ status: 'aborted', control: null });
    expect(() => requestControl(db, paused, 'pause')).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(() => requestControl(db, 'no-such-run', 'pause')).toThrow(expect.objectContaining({ code: 'not-found' }));
  });

  it('aborting an interrupted run releases the lock its dead process held, so the cluster can be changed again', () => {
    const db = openLedger(':memory:');
    const run = createRun(db, { clusterId: null, kind: 'upgrade' });
    acquireLock(db, 'cluster-1', run, '99999999@gone');
    markRunInterrupted(db, run);
    requestControl(db, run, 'abort');
    expect(getRun(db, run).run.status).toBe('aborted');
    expect(getLock(db, 'cluster-1')).toBeUndefined();
  });
});
