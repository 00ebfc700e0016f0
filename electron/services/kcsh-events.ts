/**
 * kc.sh's output as run events (source `kcsh`), so the Pre-flight step and
 * `keyturn plan` show it while it runs and the ledger keeps it. `metadata`
 * echoes the whole document after a "Metadata:" line; those lines are kept at
 * debug level, because the document is stored on its own and would bury the
 * lines that matter (build progress, warnings, the verdict).
 */
import type { EventLevel } from '../../shared/contract/index.ts';
import type { RunRecorder } from '../runs/run-recorder.ts';
import type { OutputStream } from '../tools/process.ts';

/** A per-invocation line handler for `phase` ('metadata' or 'check') on `node` (null: local). */
export function kcshLineSink(rec: RunRecorder, phase: 'metadata' | 'check', node: string | null): (stream: OutputStream, line: string) => void {
  let inDocument = false;
  return (stream, line) => {
    if (line.trim() === '') return;
    if (stream === 'stdout' && line.trim() === 'Metadata:') inDocument = true;
    const level: EventLevel = inDocument && stream === 'stdout' ? 'debug' : /\bERROR\b/.test(line) ? 'error' : /\bWARN(ING)?\b/.test(line) ? 'warn' : 'info';
    rec.event('kcsh', 'kcsh.line', level, { phase, stream, line, message: line }, node);
  };
}
