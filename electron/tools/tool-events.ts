/**
 * Turning a CLI tool's output lines into redacted run events (ansible,
 * terraform).
 *
 * Why parse first and redact after: redacting the raw line could break the
 * JSON it holds, so each line is parsed as printed and the resulting event is
 * redacted before anything (the caller's `onEvent`, the failure message built
 * from `events`) sees it.
 */
import type { OutputStream } from './process.ts';
import { redactDeep } from './redact.ts';

/** What a tool run keeps: every event so far (for the recap or the error), and the `onLine` to give `runTool`. */
export interface ToolEventCollector<E> {
  events: E[];
  onLine: (stream: OutputStream, line: string) => void;
}

/** Parses each line with `parse` (null: skip it), redacts the event, keeps it and passes it to `onEvent`. */
export function collectToolEvents<E>(parse: (line: string, stream: OutputStream) => E | null, redact: (s: string) => string, onEvent?: (event: E) => void): ToolEventCollector<E> {
  const events: E[] = [];
  const onLine = (stream: OutputStream, line: string) => {
    const parsed = parse(line, stream);
    if (parsed === null) return;
    const event = redactDeep(parsed, redact);
    events.push(event);
    onEvent?.(event);
  };
  return { events, onLine };
}
