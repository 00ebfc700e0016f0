import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../../shared/contract/index.ts';
import { filterEvents, logFacets } from './log-filter.ts';

let seq = 0;
const ev = (source: RunEvent['source'], node: string | null, level: RunEvent['level'] = 'info'): RunEvent => ({
  runId: '00000000-0000-4000-8000-000000000001', seq: seq++, at: '2025-01-01T00:00:00Z', source, node, level, kind: 'k', data: {},
});

describe('log filter', () => {
  const events = [ev('engine', null), ev('ansible', 'n1'), ev('ansible', 'n2'), ev('probe', null, 'debug'), ev('kcsh', 'n1', 'debug')];
  it('lists the sources and nodes present', () => {
    expect(logFacets(events)).toEqual({ sources: ['ansible', 'engine', 'kcsh', 'probe'], nodes: ['n1', 'n2'] });
  });
  it('narrows by source and node and counts hidden debug lines', () => {
    expect(filterEvents(events, { source: 'ansible', node: 'n1', showDebug: false }).rows).toHaveLength(1);
    expect(filterEvents(events, { source: null, node: null, showDebug: false })).toMatchObject({ hiddenDebug: 2 });
    expect(filterEvents(events, { source: null, node: 'n1', showDebug: true }).rows.map((e) => e.source)).toEqual(['ansible', 'kcsh']);
  });
});
