import { describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { insertCluster } from '../ledger/clusters-repo.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { appendEvent, createRun } from '../ledger/runs-repo.ts';
import { createRedactor } from '../tools/redact.ts';
import { switchedAtOf } from './traffic-switch.ts';

describe('when a run switched traffic', () => {
  it("is its last traffic.switched event's own time (else the event's), found among many other events; null before any switch", () => {
    const db = openLedger(':memory:');
    const clusterId = insertCluster(db, clusterSpecSchema.parse(sampleSpec()));
    const runId = createRun(db, { clusterId, kind: 'upgrade' });
    const redact = createRedactor([]);
    const ev = (kind: string, data: Record<string, unknown>, at?: string) => appendEvent(db, { runId, source: 'engine', node: null, level: 'info', kind, data, ...(at ? { at } : {}) }, redact);
    expect(switchedAtOf(db, runId)).toBeNull();
    for (let i = 0; i < 50; i++) ev('probe.tick', { message: `tick ${i}` });
    ev('traffic.switched', { message: 'first', at: '2026-12-01T20:00:00.000Z' });
    for (let i = 0; i < 50; i++) ev('probe.tick', { message: `tick ${i}` });
    expect(switchedAtOf(db, runId)).toBe('2026-12-01T20:00:00.000Z');
    ev('traffic.switched', { message: 'again, resumed' }, '2026-12-01T20:05:00.000Z');
    expect(switchedAtOf(db, runId)).toBe('2026-12-01T20:05:00.000Z');
  });
});
