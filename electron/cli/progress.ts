/** Live progress of a run on stderr, one line per meaningful event, for the CLI. */
import type { RunEvent } from '../../shared/contract/index.ts';
import type { EventBus } from '../runs/event-bus.ts';
import type { Io } from './output.ts';

const shown = /^(step\.|run\.|lab\.|probe\.summary|rollback\.|upgrade\.|backup\.|terraform\.(apply_start|apply_complete|apply_errored|provision_errored|diagnostic)|ansible\.(task_start|task_failed|host_unreachable|play_start))/;

function line(e: RunEvent): string {
  const t = e.at.slice(11, 19);
  const node = e.node ? ` [${e.node}]` : '';
  const msg = typeof e.data.message === 'string' ? e.data.message : typeof e.data.task === 'string' ? e.data.task : e.kind;
  return `${t} ${e.source.padEnd(9)}${node} ${msg}\n`;
}

/** Prints the events of `runId` (or of any run when null) until the returned function is called. */
export function printProgress(bus: EventBus, io: Io, runId: () => string | null, verbose = false): () => void {
  return bus.subscribe((e) => {
    const id = runId();
    if (id && e.runId !== id) return;
    if (verbose || shown.test(e.kind) || e.level === 'error') io.err(line(e));
  });
}
