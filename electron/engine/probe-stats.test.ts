/** The prober's arithmetic on fixed data: nearest-rank percentiles, summaries, per-second buckets with gaps. */
import { describe, expect, it } from 'vitest';
import type { ProbeSample } from '../ledger/probe-samples-repo.ts';
import { bucketize, latencyFigures, percentile, summarize } from './probe-stats.ts';

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
