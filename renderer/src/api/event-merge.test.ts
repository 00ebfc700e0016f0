import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../shared/contract/index.ts';
import { hasGap, lastSeq, mergeEvents } from './event-merge.ts';

const ev = (seq: number): RunEvent => ({ runId: '00000000-0000-4000-8000-000000000001', seq, at: '2025-01-01T00:00:00Z', source: 'engine', node: null, level: 'info', kind: 'k', data: {} });
const seqs = (events: RunEvent[]) => events.map((e) => e.seq);

describe('mergeEvents', () => {
  it('appends live events in order and drops duplicates', () => {
    expect(seqs(mergeEvents([ev(0), ev(1)], [ev(1), ev(2), ev(3)]))).toEqual([0, 1, 2, 3]);
  });
  it('fills a gap from a late catch-up', () => {
    expect(seqs(mergeEvents([ev(0), ev(3)], [ev(2), ev(1)]))).toEqual([0, 1, 2, 3]);
  });
  it('returns the same array when nothing arrives', () => {
    const held = [ev(0)];
    expect(mergeEvents(held, [])).toBe(held);
  });
});

describe('lastSeq / hasGap', () => {
  it('reports -1 for an empty log (ask the ledger for everything)', () => {
    expect(lastSeq([])).toBe(-1);
  });
  it('sees a missing seq', () => {
    expect(hasGap([ev(0), ev(2)])).toBe(true);
    expect(hasGap([ev(4), ev(5)])).toBe(false);
  });
});
