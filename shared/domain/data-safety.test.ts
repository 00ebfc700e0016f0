import { describe, expect, it } from 'vitest';
import { dataSafetyOf } from './data-safety.ts';

type E = { kind: string; at: string; level: 'info' | 'warn' | 'error' | 'debug'; data: Record<string, unknown> };
const ev = (kind: string, at: string, data: Record<string, unknown> = {}, level: E['level'] = 'info'): E => ({ kind, at, level, data });
const change = { at: '2026-12-02T00:36:04.100Z', kind: 'user-created' as const, text: '00:36:04 UTC user lw-alice created (realm lab)' };

// The shapes the blue/green steps record (taken from a lab run).
const blueGreen: E[] = [
  ev('freeze.on', '2026-12-02T00:36:01.900Z', { colour: 'blue', at: '2026-12-02T00:36:01.900Z' }, 'warn'),
  ev('backup.clone-point', '2026-12-02T00:36:04.404Z', { clonePoint: '2026-12-02T00:36:02.529Z', backupId: 'b', walLsn: '0/3A1F2B8' }),
  ev('promotion.lost-writes', '2026-12-02T00:39:40.000Z', { message: 'Since the clone point … On blue: 00:36:04 UTC user lw-alice created (realm lab).', users: { count: 1, named: [] }, events: 0, adminEvents: 2, sessions: { online: 1, offline: 0 }, changes: [change], changesNotListed: 0, uncounted: ['Admin changes in realm(s) master cannot be counted'] }),
  ev('traffic.switched', '2026-12-02T00:39:47.900Z', { to: 'green', at: '2026-12-02T00:39:47.829Z' }, 'warn'),
  ev('freeze.off', '2026-12-02T00:39:52.000Z', { colour: 'blue', at: '2026-12-02T00:39:51.990Z' }),
];

describe('dataSafetyOf', () => {
  it("a blue/green run: the clone point, the window until the switch, the freeze and what green lacks, by name", () => {
    expect(dataSafetyOf(blueGreen, false, '2026-12-02T01:00:00.000Z')).toEqual({
      clonePoint: '2026-12-02T00:36:02.529Z',
      clonePointLsn: '0/3A1F2B8',
      switchedAt: '2026-12-02T00:39:47.829Z',
      windowMs: 225_300,
      freeze: { on: true, from: '2026-12-02T00:36:01.900Z', until: '2026-12-02T00:39:51.990Z' },
      lostWrites: { counted: true, text: expect.stringContaining('user lw-alice created'), users: 1, adminEvents: 2, events: 0, changes: [change], changesNotListed: 0, uncounted: ['Admin changes in realm(s) master cannot be counted'] },
      sessions: { online: 1, offline: 0 },
    });
  });

  it('while the run waits before its switch, the window runs until now; without a freeze it says so', () => {
    const open = blueGreen.filter((e) => e.kind === 'backup.clone-point');
    expect(dataSafetyOf(open, true, '2026-12-02T00:46:02.529Z')).toMatchObject({ switchedAt: null, windowMs: 600_000, freeze: { on: false, from: null, until: null }, lostWrites: null });
    // a run that stopped before the switch has no open window
    expect(dataSafetyOf(open, false, '2026-12-02T00:46:02.529Z')?.windowMs).toBeNull();
  });

  it('a count that failed is said as not counted, never as zero', () => {
    const failed = [blueGreen[1]!, ev('promotion.lost-writes', '2026-12-02T00:39:40.000Z', { message: 'Keyturn could not count what blue took since the clone point: psql failed' }, 'warn')];
    expect(dataSafetyOf(failed, false, '2026-12-02T01:00:00.000Z')?.lostWrites).toMatchObject({ counted: false, users: null, changes: [], text: expect.stringMatching(/could not count/) });
  });

  it('a switch back or a restore rollback carries the lines it said before the confirmation', () => {
    const back = [ev('rollback.planned', '2026-12-02T00:40:02.000Z', { mode: 'switch-back', lostWrites: 'Writes made on green since the switch stay there.', lostWriteLines: ['Everything green received since the switch stays on green only.', '00:39:58 UTC user bob created (realm lab)'] }, 'warn')];
    expect(dataSafetyOf(back, false, '2026-12-02T01:00:00.000Z')).toMatchObject({ clonePoint: null, windowMs: null, lostWrites: { text: 'Writes made on green since the switch stay there.', lines: ['Everything green received since the switch stays on green only.', '00:39:58 UTC user bob created (realm lab)'] } });
  });

  it('a run that moved no data (rolling, recreate, a rollback node by node) has none', () => {
    expect(dataSafetyOf([], false, '2026-12-02T01:00:00.000Z')).toBeNull();
    expect(dataSafetyOf([ev('rollback.planned', '2026-12-02T00:40:02.000Z', { mode: 'rolling-back' })], false, '2026-12-02T01:00:00.000Z')).toBeNull();
  });
});
