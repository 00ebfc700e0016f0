/**
 * After a DNS switch, the colour traffic left keeps serving: resolvers and
 * clients may hold the old answer for the record's TTL (and a little longer).
 * This waits that long, watching the old colour's HAProxy counters, and says
 * when the last request reached it ("all traffic on green after x s"): the
 * figure that tells the operator the old colour may now be left alone.
 *
 * Why HAProxy's counters and not the prober: the prober is one client that
 * resolves on every request; real clients cache answers. The old load
 * balancer sees every one of them. `lastsess` has a resolution of one
 * second, so the figure is given to the second.
 */
import { lastRequestAge, type BackendActivity } from '../tools/haproxy-switch.ts';
import { pause } from '../tools/abortable-pause.ts';
import { KeyturnError } from '../../shared/errors.ts';

export interface DrainOptions {
  /** The old colour's HAProxy runtime API and backend. */
  runtimeApi: string;
  backend: string;
  /** When the switch was confirmed. */
  switchedAt: Date;
  /** How long the old colour keeps serving after the switch: the record's TTL plus the grace period. */
  waitSeconds: number;
  /** How often the counters are read (default 1 s). */
  pollMs?: number;
  signal?: AbortSignal;
  /** Each reading, for the live view. */
  onReading?: (r: BackendActivity, at: Date) => void;
}

export interface DrainResult {
  waitedSeconds: number;
  /** Sessions the old colour received after the switch (its counter's growth while watched). */
  sessionsAfterSwitch: number;
  /** Seconds from the switch to the last session the old colour received; 0 when none came after the switch, null when HAProxy never saw one. */
  lastRequestAfterSwitchSeconds: number | null;
  /** Whether the old colour received a session in the last second of the wait: traffic had not fully moved yet. */
  stillReceiving: boolean;
}

/** Waits `waitSeconds` from the switch while reading the old colour's counters; returns when its last request came. */
export async function drainOldColour(o: DrainOptions): Promise<DrainResult> {
  const poll = o.pollMs ?? 1000;
  const opts = o.signal ? { signal: o.signal } : {};
  const first = await lastRequestAge(o.runtimeApi, o.backend, opts);
  let last: BackendActivity;
  let lastSessionAt: number | null = first.secondsSinceLastSession === null ? null : Date.now() - first.secondsSinceLastSession * 1000;
  const until = o.switchedAt.getTime() + o.waitSeconds * 1000;
  for (;;) {
    const now = Date.now();
    const r = await lastRequestAge(o.runtimeApi, o.backend, opts);
    o.onReading?.(r, new Date(now));
    if (r.secondsSinceLastSession !== null) {
      const at = now - r.secondsSinceLastSession * 1000;
      // lastsess counts whole seconds: keep the latest estimate, never move it back.
      if (lastSessionAt === null || at > lastSessionAt) lastSessionAt = at;
    }
    last = r;
    if (now >= until) break;
    await pause(Math.min(poll, until - now), o.signal);
    if (o.signal?.aborted) throw new KeyturnError('aborted', 'Aborted while the old colour drained.', 'Traffic already points at the new colour; the old one still serves as it did. Resume the run, or roll back to switch back.');
  }
  const switched = o.switchedAt.getTime();
  const after = lastSessionAt === null ? null : Math.max(0, Math.round((lastSessionAt - switched) / 1000));
  return {
    waitedSeconds: Math.round((Date.now() - switched) / 100) / 10,
    sessionsAfterSwitch: Math.max(0, last.totalSessions - first.totalSessions),
    lastRequestAfterSwitchSeconds: after,
    stillReceiving: last.secondsSinceLastSession !== null && last.secondsSinceLastSession < 1,
  };
}
