/**
 * Time formatting in one place so every view says ages and durations the same
 * way. Timestamps arrive as ISO-8601 strings from the ledger.
 */
import { format, formatDistanceToNowStrict, intervalToDuration, isValid, parseISO } from 'date-fns';

function parse(ts: string): Date | null {
  const d = parseISO(ts);
  return isValid(d) ? d : null;
}

/** "3 hours ago", or `never` when there is no timestamp. */
export function formatAge(ts: string | null | undefined, never = 'never'): string {
  if (!ts) return never;
  const d = parse(ts);
  return d ? formatDistanceToNowStrict(d, { addSuffix: true }) : ts;
}

/** Wall-clock time of a log line, HH:mm:ss (local time, like the operator's terminal). */
export function formatClock(ts: string): string {
  const d = parse(ts);
  return d ? format(d, 'HH:mm:ss') : '--:--:--';
}

/** Full local date and time for tooltips and detail fields. */
export function formatDateTime(ts: string | null | undefined): string {
  if (!ts) return '—';
  const d = parse(ts);
  return d ? format(d, 'yyyy-MM-dd HH:mm:ss') : ts;
}

/** Compact duration between two timestamps ("4m 12s"); `end` null means "until now". */
export function formatDuration(start: string | null | undefined, end: string | null | undefined): string {
  if (!start) return '—';
  const s = parse(start);
  const e = end ? parse(end) : new Date();
  if (!s || !e) return '—';
  const d = intervalToDuration({ start: s, end: e < s ? s : e });
  const parts: string[] = [];
  if (d.days) parts.push(`${d.days}d`);
  if (d.hours) parts.push(`${d.hours}h`);
  if (d.minutes) parts.push(`${d.minutes}m`);
  if (parts.length < 2) parts.push(`${d.seconds ?? 0}s`);
  return parts.slice(0, 2).join(' ');
}

/** A downtime in seconds as an operator reads it: "8.4 s", "42 s", "2 min 05 s". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 10) return `${(Math.round(s * 10) / 10).toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** A running counter, m:ss (h:mm:ss past an hour): the downtime clock of a maintenance window. */
export function formatCounter(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
