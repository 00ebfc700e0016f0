/**
 * The figures of `npm run bench -- recreate` (bench/lib/recreate-figures.ts) on
 * fixed samples: the downtime each side caused as the shared prober saw it,
 * the first node's start-to-ready, and the ratios the goals are stated on.
 * (The unit project does not include bench/, so the test lives here.)
 */
import { describe, expect, it } from 'vitest';
import type { ProbeSample } from '../../shared/domain/probe-stats.ts';
import { firstStartToReady, gracefulStopMs, recreateVerdict, sideOutage, type ReadyAnswer, type StartToReady } from '../../bench/lib/recreate-figures.ts';

const ok = (atMs: number): ProbeSample => ({ atMs, ok: true, status: 200, reason: null, latencyMs: 20, address: '127.0.10.100' });
const failed = (atMs: number, reason: string, status: number | null = 503): ProbeSample => ({ atMs, ok: false, status, reason, latencyMs: 3, address: '127.0.10.100' });

describe('sideOutage', () => {
  // 100 ms apart, as the prober's 20 req/s roughly is; a failure before the span belongs to another side.
  const samples = [failed(500, 'refused', null), ok(1000), ok(1100), failed(1200, 'maintenance'), failed(1300, 'maintenance'), ok(1400), failed(5000, 'http-503'), failed(9200, 'maintenance'), ok(9300), ok(9400), failed(20_000, 'timeout', null)];

  it('measures first to last failed request inside the span, with the bound and every reason', () => {
    expect(sideOutage(samples, 1000, 10_000)).toEqual({
      requests: 9,
      failed: 4,
      downtimeMs: 8000,
      firstFailedAt: new Date(1200).toISOString(),
      lastFailedAt: new Date(9200).toISOString(),
      boundMs: 9300 - 1100,
      maintenanceAnswers: 3,
      otherFailures: { 'http-503': 1 },
      okInside: 1,
      servedAgain: true,
    });
  });

  it('gives no downtime when nothing failed in the span, and says whether it still served', () => {
    expect(sideOutage(samples, 9300, 9400)).toMatchObject({ requests: 2, failed: 0, downtimeMs: null, boundMs: null, maintenanceAnswers: 0, otherFailures: {}, servedAgain: true });
  });

  it('has no bound and did not serve again when the span ends still failing', () => {
    const o = sideOutage(samples, 9300, 30_000);
    expect(o).toMatchObject({ downtimeMs: 0, boundMs: null, servedAgain: false, otherFailures: { timeout: 1 } });
  });
});

describe('firstStartToReady', () => {
  const polls = (list: [number, boolean][]): ReadyAnswer[] => list.map(([at, up]) => ({ at, up }));

  it("Keyturn's shape: n1 starts alone and migrates, n2 starts after it is ready", () => {
    const ready = new Map([
      ['n1', polls([[500, true], [1000, false], [30_750, false], [31_000, true]])],
      ['n2', polls([[500, true], [1000, false], [40_000, false], [52_000, true]])],
    ]);
    expect(firstStartToReady([{ node: 'n1', at: 1000 }, { node: 'n2', at: 32_000 }], ready)).toEqual({
      node: 'n1', startAt: new Date(1000).toISOString(), readyAt: new Date(31_000).toISOString(), ms: 30_000,
    });
  });

  it("the baseline's shape: both start at once, the first node to answer ready is the one that migrated", () => {
    const ready = new Map([
      ['n1', polls([[1000, false], [45_000, true]])],
      ['n2', polls([[1000, false], [40_000, true]])],
    ]);
    expect(firstStartToReady([{ node: 'n1', at: 1000 }, { node: 'n2', at: 1000 }], ready)).toMatchObject({ node: 'n2', ms: 39_000 });
  });

  it('ignores ready answers from before the start, and is null when no started node became ready', () => {
    const ready = new Map([['n1', polls([[500, true], [1500, false], [2000, false]])]]);
    expect(firstStartToReady([{ node: 'n1', at: 1000 }], ready)).toBeNull();
    expect(firstStartToReady([], ready)).toBeNull();
  });
});

describe('recreateVerdict', () => {
  const s = (ms: number): StartToReady => ({ node: 'n1', startAt: '', readyAt: '', ms });

  it('takes the shorter start-to-ready as the limit and states both ratios against their goals', () => {
    expect(recreateVerdict(33_000, 90_000, s(30_000), s(40_000))).toEqual({
      limitMs: 30_000, limitFrom: 'keyturn', keyturnOverLimit: 1.1, keyturnOverBaseline: 33_000 / 90_000, withinLimit: true, belowBaseline: true,
      stopMs: null, stopFrom: null, floorMs: null, keyturnOverFloor: null, withinFloor: false,
    });
    expect(recreateVerdict(33_000, 30_000, s(35_000), s(30_000))).toMatchObject({ limitMs: 30_000, limitFrom: 'baseline', withinLimit: true, belowBaseline: false });
  });

  it('misses the limit goal just above 1.1', () => {
    expect(recreateVerdict(33_300, 90_000, s(30_000), null)).toMatchObject({ limitFrom: 'keyturn', withinLimit: false, belowBaseline: true });
  });

  it('meets no goal on a missing figure rather than guessing', () => {
    expect(recreateVerdict(null, 90_000, s(30_000), s(30_000))).toMatchObject({ keyturnOverLimit: null, keyturnOverBaseline: null, withinLimit: false, belowBaseline: false });
    expect(recreateVerdict(30_000, null, null, null)).toEqual({
      limitMs: null, limitFrom: null, keyturnOverLimit: null, keyturnOverBaseline: null, withinLimit: false, belowBaseline: false,
      stopMs: null, stopFrom: null, floorMs: null, keyturnOverFloor: null, withinFloor: false,
    });
    // a stop without a start-to-ready is no floor
    expect(recreateVerdict(30_000, 90_000, null, null, { keyturn: 3000, baseline: null })).toMatchObject({ stopMs: 3000, floorMs: null, withinFloor: false });
  });

  it('adds the shorter graceful stop to the limit as the floor of a recreate that stops gracefully', () => {
    // 2.6 s stop + 9.5 s start: 13.3 s is 1.1 times that floor, while it is 1.4 times the start alone
    expect(recreateVerdict(13_310, 76_000, s(9500), s(15_000), { keyturn: 2700, baseline: 2600 })).toMatchObject({
      limitMs: 9500, stopMs: 2600, stopFrom: 'baseline', floorMs: 12_100, withinLimit: false, withinFloor: true,
    });
    expect(recreateVerdict(13_400, 76_000, s(9500), null, { keyturn: 2600, baseline: null })).toMatchObject({ stopFrom: 'keyturn', floorMs: 12_100, withinFloor: false });
  });
});

describe('gracefulStopMs', () => {
  const span = (host: string, task: string, start: number, end: number, skipped = false) => ({ host, task, start, end, skipped });

  it('is the longest stop task of any host, skipped ones left out; null without one', () => {
    const spans = [span('n1', 'Stop Keycloak', 0, 2500), span('n2', 'Stop Keycloak', 10, 2710), span('n1', 'Start Keycloak', 3000, 3500), span('n3', 'Stop Keycloak', 0, 9000, true)];
    expect(gracefulStopMs(spans, /^Stop Keycloak$/)).toBe(2700);
    expect(gracefulStopMs(spans, /^Stop the running Keycloak/)).toBeNull();
  });
});
