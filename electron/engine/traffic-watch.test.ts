/**
 * The watch after a switch reads the run's probe samples from a real ledger
 * while they arrive, as the prober writes them (a batch a second): it holds
 * through a few failures, and calls for a switch back on a failure rate above
 * the threshold or on a run of failures in a row.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { insertCluster } from '../ledger/clusters-repo.ts';
import { openLedger, type Ledger } from '../ledger/open-ledger.ts';
import { insertProbeSamples, type ProbeSample } from '../ledger/probe-samples-repo.ts';
import { createRun } from '../ledger/runs-repo.ts';
import { watchAfterSwitch } from './traffic-watch.ts';

let timers: NodeJS.Timeout[] = [];
afterEach(() => {
  timers.forEach(clearInterval);
  timers = [];
});

function seeded(): { db: Ledger; runId: string } {
  const db = openLedger(':memory:');
  const clusterId = insertCluster(db, clusterSpecSchema.parse(sampleSpec()));
  return { db, runId: createRun(db, { clusterId, kind: 'upgrade' }) };
}

const sample = (atMs: number, ok: boolean, reason: string | null = null): ProbeSample => ({ atMs, ok, status: ok ? 200 : null, reason: ok ? null : reason, latencyMs: 12, address: '127.0.20.100' });

/** Writes 20 samples a second, as the prober does, each second's batch from `pattern(i)` (i counts requests). */
function feed(db: Ledger, runId: string, pattern: (i: number) => ProbeSample['reason'] | 'ok'): void {
  let i = 0;
  timers.push(setInterval(() => {
    const now = Date.now();
    const batch = Array.from({ length: 20 }, (_, k) => {
      const r = pattern(i++);
      return sample(now - 1000 + k * 50, r === 'ok', r === 'ok' ? null : r);
    });
    insertProbeSamples(db, runId, batch);
  }, 200));
}

describe('watchAfterSwitch', () => {
  it('holds through the window when failures stay under the threshold, and counts them by reason', async () => {
    const { db, runId } = seeded();
    const sinceMs = Date.now() - 1000;
    feed(db, runId, (i) => (i % 100 === 50 ? 'timeout' : 'ok'));
    const r = await watchAfterSwitch({ db, runId, sinceMs, windowSeconds: 3, threshold: 0.02, pollMs: 200 });
    expect(r.held).toBe(true);
    expect(r.breach).toBeNull();
    expect(r.requests).toBeGreaterThan(100);
    expect(r.failed).toBeGreaterThan(0);
    expect(r.reasons).toEqual({ timeout: r.failed });
  });

  it('calls for a switch back as soon as the failure rate passes the threshold, naming the figures', async () => {
    const { db, runId } = seeded();
    const sinceMs = Date.now() - 1000;
    feed(db, runId, (i) => (i % 10 === 0 ? 'http-503' : 'ok'));
    const r = await watchAfterSwitch({ db, runId, sinceMs, windowSeconds: 30, threshold: 0.05, pollMs: 200 });
    expect(r.held).toBe(false);
    expect(r.breach).toMatch(/of \d+ requests failed \(\d+\.\d %, threshold 5\.0 %\)/);
    expect(r.watchedSeconds).toBeLessThan(30);
    expect(r.breachedAtMs).not.toBeNull();
  });

  it('calls for a switch back on failures in a row (the new colour gone), even after many good requests', async () => {
    const { db, runId } = seeded();
    const sinceMs = Date.now() - 1000;
    feed(db, runId, (i) => (i < 400 ? 'ok' : 'refused'));
    const r = await watchAfterSwitch({ db, runId, sinceMs, windowSeconds: 60, threshold: 0.5, pollMs: 200 });
    expect(r.held).toBe(false);
    expect(r.breach).toMatch(/requests in a row failed/);
    expect(r.reasons.refused).toBeGreaterThanOrEqual(10);
  });

  it('refuses a threshold that is not a share, and stops at once on abort', async () => {
    const { db, runId } = seeded();
    await expect(watchAfterSwitch({ db, runId, sinceMs: Date.now(), windowSeconds: 1, threshold: 2 })).rejects.toMatchObject({ code: 'invalid-input' });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 300);
    const err = await watchAfterSwitch({ db, runId, sinceMs: Date.now(), windowSeconds: 60, threshold: 0.02, pollMs: 100, signal: ctl.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyturnError);
    expect((err as KeyturnError).code).toBe('aborted');
  });
});
