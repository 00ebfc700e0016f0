/**
 * The watch after a promotion: the run's prober keeps asking the public name
 * for tokens, and if too many of those requests fail, the caller switches
 * back to the colour that still serves as standby, on its own, and says so.
 *
 * It reads the prober's samples from the ledger (the prober writes them once
 * a second), so what triggered a switch back is the same record the run
 * report and the chart show. Two triggers, whichever comes first:
 * - the failure rate since the switch exceeds the threshold (after enough
 *   requests for a rate to mean something);
 * - a run of consecutive failures (green gone: at 20 requests/s, ten in a
 *   row is half a second of every client failing), so a green that dies late
 *   in a long window is not carried by the good requests before it.
 */
import { KeyturnError } from '../../shared/errors.ts';
import { listProbeSamples } from '../ledger/probe-samples-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { pause } from '../tools/abortable-pause.ts';

export interface WatchOptions {
  db: Ledger;
  runId: string;
  /** The switch moment (Unix ms): only requests started after it count. */
  sinceMs: number;
  windowSeconds: number;
  /** Share of failed requests that triggers the switch back (0.02 = 2 %). */
  threshold: number;
  /** Requests needed before the rate is judged (default 20). */
  minRequests?: number;
  /** Failures in a row that trigger at once (default 10). */
  consecutiveFailures?: number;
  pollMs?: number;
  signal?: AbortSignal;
  onTick?: (t: WatchTally) => void;
}

export interface WatchTally {
  requests: number;
  failed: number;
  /** Failed requests by reason (timeout, refused, http-503, ...). */
  reasons: Record<string, number>;
  /** The longest run of failures in a row so far. */
  longestFailureRun: number;
}

export interface WatchResult extends WatchTally {
  /** Whether the new colour held: false means the caller must switch back. */
  held: boolean;
  /** What crossed the line, in words; null when it held. */
  breach: string | null;
  /** When the breach was seen (Unix ms). */
  breachedAtMs: number | null;
  watchedSeconds: number;
}

function tally(samples: readonly { ok: boolean; reason: string | null }[]): WatchTally {
  const reasons: Record<string, number> = {};
  let failed = 0;
  let run = 0;
  let longest = 0;
  for (const s of samples) {
    if (s.ok) {
      run = 0;
      continue;
    }
    failed++;
    run++;
    longest = Math.max(longest, run);
    const r = s.reason ?? 'other';
    reasons[r] = (reasons[r] ?? 0) + 1;
  }
  return { requests: samples.length, failed, reasons, longestFailureRun: longest };
}

/** What crossed the line, or null. */
function breachOf(t: WatchTally, o: WatchOptions): string | null {
  const inRow = o.consecutiveFailures ?? 10;
  if (t.longestFailureRun >= inRow) return `${t.longestFailureRun} requests in a row failed`;
  const min = o.minRequests ?? 20;
  if (t.requests >= min && t.failed / t.requests > o.threshold) {
    return `${t.failed} of ${t.requests} requests failed (${((100 * t.failed) / t.requests).toFixed(1)} %, threshold ${(100 * o.threshold).toFixed(1)} %)`;
  }
  return null;
}

/** Watches the prober's samples from the switch on for `windowSeconds`; returns as soon as a trigger fires, else at the end of the window. */
export async function watchAfterSwitch(o: WatchOptions): Promise<WatchResult> {
  if (!(o.threshold >= 0 && o.threshold < 1)) throw new KeyturnError('invalid-input', `The failure threshold ${o.threshold} is not a share between 0 and 1.`, 'Give it as a fraction, e.g. 0.02 for 2 %.');
  const until = o.sinceMs + o.windowSeconds * 1000;
  for (;;) {
    const now = Date.now();
    const t = tally(listProbeSamples(o.db, o.runId, o.sinceMs));
    o.onTick?.(t);
    const breach = breachOf(t, o);
    const watchedSeconds = Math.round((now - o.sinceMs) / 100) / 10;
    if (breach) return { ...t, held: false, breach, breachedAtMs: now, watchedSeconds };
    if (now >= until) return { ...t, held: true, breach: null, breachedAtMs: null, watchedSeconds };
    await pause(Math.min(o.pollMs ?? 1000, until - now), o.signal);
    if (o.signal?.aborted) throw new KeyturnError('aborted', 'Aborted during the watch after the switch.', 'Traffic points at the new colour; the old one still serves as standby. Resume the run, or roll back to switch back.');
  }
}
