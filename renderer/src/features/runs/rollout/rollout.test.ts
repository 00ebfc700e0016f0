import { describe, expect, it } from 'vitest';
import type { ProbeBucket, RunEvent } from '../../../../../shared/contract/index.ts';
import { foldNodeStates, nodeCards, nodeVersion } from './node-states.ts';
import { latestTick, mergeProbeSeries, windowPoints } from './probe-series.ts';

let seq = 0;
const ev = (kind: string, data: Record<string, unknown>, at = '2025-01-01T00:00:00Z', node: string | null = null): RunEvent => ({
  runId: '00000000-0000-4000-8000-000000000001', seq: seq++, at, source: 'engine', node, level: 'info', kind, data,
});

describe('foldNodeStates', () => {
  it('keeps the latest state per node and when it was entered', () => {
    const nodes = foldNodeStates([
      ev('node.state', { node: 'n1', state: 'waiting' }, '2025-01-01T00:00:00Z'),
      ev('node.state', { node: 'n2', state: 'waiting' }, '2025-01-01T00:00:00Z'),
      ev('node.state', { node: 'n1', state: 'installing', message: 'unpack' }, '2025-01-01T00:00:10Z'),
      ev('node.state', { node: 'n1', state: 'installing', message: 'build' }, '2025-01-01T00:00:20Z'),
    ]);
    expect(nodes.map((n) => [n.node, n.state])).toEqual([['n1', 'installing'], ['n2', 'waiting']]);
    expect(nodes[0]).toMatchObject({ since: '2025-01-01T00:00:10Z', message: 'build' });
  });
  it('ignores states it does not know', () => {
    expect(foldNodeStates([ev('node.state', { node: 'n1', state: 'teleporting' })])).toEqual([]);
  });
  it('records the version a resume found', () => {
    const nodes = foldNodeStates([ev('node.state', { node: 'n1', state: 'waiting' }), ev('reconcile.node', { version: '26.7.1', message: 'n1: 26.7.1' }, undefined, 'n1')]);
    expect(nodes[0]!.reconciledVersion).toBe('26.7.1');
  });
});

describe('nodeCards / nodeVersion', () => {
  it('lists spec nodes first, then strangers', () => {
    const cards = nodeCards(['n1', 'n2'], foldNodeStates([ev('node.state', { node: 'n3', state: 'waiting' })]));
    expect(cards.map((c) => [c.node, c.state])).toEqual([['n1', null], ['n2', null], ['n3', 'waiting']]);
  });
  it('claims the target only once the node joined', () => {
    const run = { fromVersion: '26.7.0', toVersion: '26.7.1' };
    expect(nodeVersion('joined', run, null)).toBe('26.7.1');
    expect(nodeVersion('waiting', run, null)).toBe('26.7.0');
    // prepared beside the running version: still serving the old one
    expect(nodeVersion('preparing', run, null)).toBe('26.7.0');
    expect(nodeVersion('prepared', run, null)).toBe('26.7.0');
    expect(nodeVersion('starting', run, null)).toBe('→ 26.7.1');
    expect(nodeVersion('failed', run, null)).toBeNull();
  });
});

const tick = (t: number, ok: number, failed = 0, extra: Record<string, unknown> = {}) => ({ ...ev('probe.tick', { t, ok, failed, p50: 5, p99: 9, requests: 100, totalFailed: failed, inFlight: 1, ...extra }), source: 'probe' as const });

describe('probe series', () => {
  const bucket = (t: number): ProbeBucket => ({ t, ok: 20, failed: 0, p50: 4, p99: 8 });
  it('appends ticks after the last ledger second and lets the ledger win before it', () => {
    const points = mergeProbeSeries([bucket(1000), bucket(2000)], [tick(2500, 99), tick(3100, 18, 2), tick(4200, 20)]);
    expect(points.map((p) => [p.t, p.ok, p.failed])).toEqual([[1000, 20, 0], [2000, 20, 0], [3000, 18, 2], [4000, 20, 0]]);
  });
  it('reads the latest running totals', () => {
    expect(latestTick([tick(1000, 1), tick(2000, 2, 3, { requests: 250 })])).toMatchObject({ requests: 250, failed: 3 });
    expect(latestTick([])).toBeNull();
  });
  it('windows and averages into at most max points', () => {
    const pts = Array.from({ length: 100 }, (_, i) => ({ t: i * 1000, ok: 10, failed: i === 50 ? 4 : 0, p50: 1, p99: i }));
    expect(windowPoints(pts, 10_000, 600)).toHaveLength(10);
    const down = windowPoints(pts, null, 10);
    expect(down).toHaveLength(10);
    expect(down[0]).toMatchObject({ ok: 10, p99: 9 });
    expect(down[5]!.failed).toBeCloseTo(0.4);
  });
});
