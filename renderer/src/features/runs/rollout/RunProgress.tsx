/** Overall progress of a run: steps done of total, a bar, and the step running now (or the one that failed). */
import type { Step } from '../../../../../shared/contract/index.ts';
import { stepProgress } from './node-states.ts';

/** The progress line above the node cards; `live` false says "stopped at" rather than "now" for a step left running. */
export function RunProgress({ steps, live = true }: { steps: Step[]; live?: boolean }) {
  const { done, total, current, failed } = stepProgress(steps);
  const pct = total === 0 ? 0 : Math.round((done / total) * 100);
  return (
    <div className="run-progress" data-testid="run-progress" data-done={done} data-total={total}>
      <div className="run-progress-line">
        <span className="strong mono">
          {done}/{total}
        </span>
        <span className="muted">steps done</span>
        <span className="run-progress-current truncate">
          {failed ? (
            <span className="text-bad">Failed at: {failed.title}</span>
          ) : current ? (
            <>
              <span className="muted">{live ? 'Now: ' : 'Stopped at: '}</span>
              {current.title}
            </>
          ) : null}
        </span>
        <span className="mono muted small">{pct}%</span>
      </div>
      <div className="progress-track" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} aria-label="Steps done">
        <div className={`progress-fill${failed ? ' progress-fill-bad' : ''}`} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
