/**
 * The figures of `npm run bench -- blue-green` (bench/lib/blue-green-figures.ts)
 * on fixed samples and event data: the switch and the drain as the run's
 * ledger events record them, when the prober last reached blue after the
 * switch, and the two goals stated on them. (The unit project does not
 * include bench/, so the test lives here.)
 */
import { describe, expect, it } from 'vitest';
import type { ProbeSample } from '../../shared/domain/probe-stats.ts';
import { blueGreenGoals, clientDrain, drainOf, oldAddress, switchOf, type ClientDrain, type DrainFigures } from '../../bench/lib/blue-green-figures.ts';

const blue = '127.0.10.100';
const green = '127.0.20.100';
const at = (atMs: number, address: string | null, ok = true): ProbeSample => ({ atMs, ok, status: ok ? 200 : null, reason: ok ? null : 'dns', latencyMs: 20, address });
const switchAt = Date.parse('2025-01-01T00:02:00.000Z');

describe('switchOf and drainOf', () => {
  it('reads the switch the engine recorded, and refuses one without a readable time', () => {
    expect(switchOf({ message: 'x', to: 'green', previous: blue, now: green, at: '2025-01-01T00:02:00.000Z', changed: true })).toEqual({ atMs: switchAt, to: 'green', previous: blue, now: green });
    expect(switchOf({ to: 'green', at: 'not a time' })).toBeNull();
    expect(switchOf({ to: 'green' })).toBeNull();
    expect(switchOf({ at: '2025-01-01T00:02:00.000Z', previous: 7 })).toEqual({ atMs: switchAt, to: null, previous: null, now: null });
  });

  it('reads the drain, leaving out what the event lacks rather than guessing it', () => {
    expect(drainOf({ message: 'x', waitedSeconds: 2.1, sessionsAfterSwitch: 31, lastRequestAfterSwitchSeconds: 1, stillReceiving: false })).toEqual({
      lastRequestAfterSwitchSeconds: 1, sessionsAfterSwitch: 31, stillReceiving: false, waitedSeconds: 2.1,
    });
    expect(drainOf({ lastRequestAfterSwitchSeconds: null })).toEqual({ lastRequestAfterSwitchSeconds: null, sessionsAfterSwitch: null, stillReceiving: null, waitedSeconds: null });
  });
});

describe('oldAddress and clientDrain', () => {
  const samples = [at(switchAt - 200, blue), at(switchAt - 100, null, false), at(switchAt, blue), at(switchAt + 100, blue), at(switchAt + 250, green), at(switchAt + 400, blue), at(switchAt + 500, green), at(switchAt + 90_000, blue)];

  it('takes the address the switch names, else the last one the name resolved to before it', () => {
    expect(oldAddress(samples, { atMs: switchAt, to: 'green', previous: '127.0.10.101', now: green })).toBe('127.0.10.101');
    expect(oldAddress(samples, { atMs: switchAt, to: 'green', previous: null, now: green })).toBe(blue);
    expect(oldAddress([], { atMs: switchAt, to: 'green', previous: null, now: green })).toBeNull();
  });

  it('finds the last request after the switch that still went to blue, within the span only', () => {
    expect(clientDrain(samples, switchAt, switchAt + 60_000, blue)).toEqual({ address: blue, requestsAfterSwitch: 3, lastAt: new Date(switchAt + 400).toISOString(), lastAfterSwitchMs: 400 });
  });

  it('counts 0 s when no request reached blue after the switch, and nothing without an address', () => {
    expect(clientDrain([at(switchAt - 50, blue), at(switchAt + 10, green)], switchAt, switchAt + 60_000, blue)).toEqual({ address: blue, requestsAfterSwitch: 0, lastAt: null, lastAfterSwitchMs: 0 });
    expect(clientDrain(samples, switchAt, switchAt + 60_000, null)).toMatchObject({ address: null, requestsAfterSwitch: 0, lastAfterSwitchMs: 0 });
  });
});

describe('blueGreenGoals', () => {
  const drain = (seconds: number | null, stillReceiving = false): DrainFigures => ({ lastRequestAfterSwitchSeconds: seconds, sessionsAfterSwitch: 31, stillReceiving, waitedSeconds: 4 });
  const client = (ms: number, address: string | null = blue): ClientDrain => ({ address, requestsAfterSwitch: 2, lastAt: null, lastAfterSwitchMs: ms });
  const base = { failed: 0, recreateFailed: 412, recreateDowntimeMs: 21_340, ttlSeconds: 1, newColour: 'green' };

  it('states both goals met, with recreate\'s figures beside the zero', () => {
    const g = blueGreenGoals({ ...base, drain: drain(1), client: client(400) });
    expect(g.zeroFailed).toEqual({ met: true, statement: '0 failed requests (recreate: 412 failed, 21.3 s down): yes' });
    expect(g.onGreenWithin).toMatchObject({ met: true, limitSeconds: 2, seconds: 1 });
    expect(g.onGreenWithin.statement).toBe("all traffic on green within TTL + 1 s (2 s): yes (1.0 s: 1 s by the old colour's HAProxy counters; 0.4 s by the prober)");
  });

  it('takes the later of both views, and says no when it is past TTL + 1 s', () => {
    const g = blueGreenGoals({ ...base, failed: 3, recreateFailed: 0, recreateDowntimeMs: null, drain: drain(1), client: client(2_600) });
    expect(g.zeroFailed).toEqual({ met: false, statement: '0 failed requests (recreate: 0 failed, no downtime): no (3 failed)' });
    expect(g.onGreenWithin).toMatchObject({ met: false, seconds: 2.6 });
    expect(g.onGreenWithin.statement).toMatch(/^all traffic on green within TTL \+ 1 s \(2 s\): no \(2\.6 s: /);
  });

  it('is not met while blue still receives requests, nor without any figure', () => {
    expect(blueGreenGoals({ ...base, drain: drain(0, true), client: client(0) }).onGreenWithin).toMatchObject({ met: false, seconds: 0 });
    expect(blueGreenGoals({ ...base, drain: drain(0, true), client: client(0) }).onGreenWithin.statement).toMatch(/still received requests/);
    const none = blueGreenGoals({ ...base, drain: null, client: client(0, null) }).onGreenWithin;
    expect(none).toMatchObject({ met: false, seconds: null });
    expect(none.statement).toBe('all traffic on green within TTL + 1 s (2 s): no (unknown: no HAProxy figure; no prober figure)');
  });

  it('uses whichever view exists when the other is missing', () => {
    expect(blueGreenGoals({ ...base, drain: drain(null), client: client(1_500) }).onGreenWithin).toMatchObject({ met: true, seconds: 1.5 });
    expect(blueGreenGoals({ ...base, drain: drain(3), client: null }).onGreenWithin).toMatchObject({ met: false, seconds: 3 });
  });
});
