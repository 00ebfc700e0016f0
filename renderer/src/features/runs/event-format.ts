/** How one run event reads in a single log line. */
import type { RunEvent } from '../../../../shared/contract/index.ts';

const MAX_LINE = 2_000;

/**
 * `data.message`, else `data.line` (raw tool output), else the data as
 * compact JSON, so no event is ever an empty row.
 */
export function eventMessage(e: RunEvent): string {
  const { message, line } = e.data;
  if (typeof message === 'string' && message !== '') return clip(message);
  if (typeof line === 'string' && line !== '') return clip(line);
  const keys = Object.keys(e.data);
  if (keys.length === 0) return '';
  try {
    return clip(JSON.stringify(e.data));
  } catch {
    return '[unprintable data]';
  }
}

function clip(s: string): string {
  const oneLine = s.replace(/\s*\n\s*/g, ' ⏎ ');
  return oneLine.length > MAX_LINE ? `${oneLine.slice(0, MAX_LINE)}…` : oneLine;
}

/** Pretty JSON of the whole event, for the detail pane. */
export function eventDetail(e: RunEvent): string {
  try {
    return JSON.stringify(e, null, 2);
  } catch {
    return String(e.kind);
  }
}
