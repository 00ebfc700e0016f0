/** The prober's arithmetic on fixed data: nearest-rank percentiles, summaries, per-second buckets with gaps, the outage window. */
import { describe, expect, it } from 'vitest';
import type { ProbeSample } from '../contract/probe.ts';
import { bucketize, latencyFigures, maintenanceWindow, percentile, summarize } from './probe-stats.ts';

const ok = (atMs: number, latencyMs: number): ProbeSample => ({ atMs, ok: true, status: 200, reason: null, latencyMs, address: '127.0.40.2' });
const fail = (atMs: number, reason: string, status: number | null = null): ProbeSample => ({ atMs, ok: false, status, reason, latencyMs: 2000, address: null });

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks observed values: 1..100 gives p50 = 50, p99 = 99, p100 = 100', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
  });

  it('on small sets the tail is the maximum: p99 of 10 values is the 10th', () => {
    const ten = [3, 5, 7, 9, 11, 13, 15, 17, 19, 1000];
    expect(percentile(ten, 50)).toBe(11);
    expect(percentile(ten, 90)).toBe(19);
    expect(percentile(ten, 99)).toBe(1000);
  });

  it('one value is every percentile; none is null', () => {
    expect(percentile([42], 1)).toBe(42);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeNull();
  });

  it('latencyFigures sorts first and rounds to 0.1 ms', () => {
    expect(latencyFigures([30.04, 10.06, 20, 1000.44])).toEqual({ p50: 20, p99: 1000.4, max: 1000.4 });
    expect(latencyFigures([])).toEqual({ p50: null, p99: null, max: null });
  });
});

describe('summarize', () => {
  it('counts ok and failed, groups failures by reason, and takes latency from successes only', () => {
    const samples = [ok(1000, 10), ok(1050, 30), fail(1100, 'timeout'), ok(1150, 20), fail(1200, 'http-503', 503), fail(1250, 'http-503', 503)];
    expect(summarize(samples)).toEqual({
      requests: 6, ok: 3, failed: 3, p50Ms: 20, p99Ms: 30, maxMs: 30,
      failuresByReason: { timeout: 1, 'http-503': 2 },
      firstAt: new Date(1000).toISOString(), lastAt: new Date(1250).toISOString(),
    });
  });

  it('of nothing is zeros and nulls', () => {
    expect(summarize([])).toEqual({ requests: 0, ok: 0, failed: 0, p50Ms: null, p99Ms: null, maxMs: null, failuresByReason: {}, firstAt: null, lastAt: null });
  });
});

describe('bucketize', () => {
  it('groups by the second a request started and fills empty seconds with zeros', () => {
    const samples = [ok(10_000, 5), ok(10_999, 15), fail(11_500, 'refused'), ok(13_001, 8)];
    expect(bucketize(samples)).toEqual([
      { t: 10_000, ok: 2, failed: 0, p50: 5, p99: 15 },
      { t: 11_000, ok: 0, failed: 1, p50: null, p99: null },
      { t: 12_000, ok: 0, failed: 0, p50: null, p99: null },
      { t: 13_000, ok: 1, failed: 0, p50: 8, p99: 8 },
    ]);
    expect(bucketize([])).toEqual([]);
  });
});

describe('maintenanceWindow', () => {
  const maint = (atMs: number) => fail(atMs, 'maintenance', 503);

  it('measures a clean recreate: first to last maintenance answer, bounded by the successes around it', () => {
    const samples = [ok(1000, 10), ok(1050, 10), maint(1100), maint(1150), maint(5000), maint(13_149), ok(13_200, 40), ok(13_250, 12)];
    expect(maintenanceWindow(samples)).toEqual({
      startMs: 1100, endMs: 13_149, seconds: 12, lastOkBeforeMs: 1050, firstOkAfterMs: 13_200,
      maintenanceAnswers: 4, otherFailures: {}, okInside: 0,
    });
  });

  it('counts every other kind of failure apart, and successes inside a window that came and went', () => {
    const samples = [ok(0, 5), fail(100, 'refused'), maint(150), ok(200, 5), fail(250, 'timeout'), maint(300), fail(350, 'http-503', 503), fail(400, 'reset'), ok(450, 5)];
    expect(maintenanceWindow(samples)).toEqual({
      startMs: 100, endMs: 400, seconds: 0.3, lastOkBeforeMs: 0, firstOkAfterMs: 450,
      maintenanceAnswers: 2, otherFailures: { refused: 1, timeout: 1, 'http-503': 1, reset: 1 }, okInside: 1,
    });
  });

  it('takes samples in any order (as they complete) and rounds to 0.1 s', () => {
    const samples = [maint(2_349), ok(5_000, 5), maint(1_000), ok(900, 5), maint(1_700)];
    expect(maintenanceWindow(samples)).toMatchObject({ startMs: 1_000, endMs: 2_349, seconds: 1.3, lastOkBeforeMs: 900, firstOkAfterMs: 2_349 + 2_651, maintenanceAnswers: 3 });
  });

  it('has no bounds where the run started or ended failing, gives 0 s for one failure, and null when nothing failed', () => {
    expect(maintenanceWindow([maint(10), maint(60)])).toMatchObject({ startMs: 10, endMs: 60, seconds: 0.1, lastOkBeforeMs: null, firstOkAfterMs: null });
    expect(maintenanceWindow([ok(0, 1), fail(50, 'refused')])).toMatchObject({ seconds: 0, lastOkBeforeMs: 0, firstOkAfterMs: null, maintenanceAnswers: 0, otherFailures: { refused: 1 } });
    expect(maintenanceWindow([ok(0, 1), ok(50, 1)])).toBeNull();
    expect(maintenanceWindow([])).toBeNull();
  });
});
