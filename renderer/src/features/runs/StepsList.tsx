/** The run's planned steps in order, with status, node and timing; the failing step shows its error inline. */
import type { Step } from '../../../../shared/contract/index.ts';
import { StepStatusBadge } from '../../components/Badges.tsx';
import { formatDuration } from '../../lib/time.ts';

/** Ordered step list. */
export function StepsList({ steps }: { steps: Step[] }) {
  if (steps.length === 0) return <p className="muted small">No steps recorded yet.</p>;
  return (
    <ol className="steps" data-testid="run-steps">
      {steps.map((s) => (
        <li key={s.seq} className={`step step-${s.status}`} data-testid={`step-${s.seq}`}>
          <span className="step-marker" aria-hidden="true" />
          <div className="step-body">
            <div className="step-line">
              <span className="step-title" title={s.title}>
                {s.title}
              </span>
              <StepStatusBadge status={s.status} />
            </div>
            {(s.node || s.startedAt) && (
              <div className="step-meta mono small muted">
                {s.node && <span>{s.node}</span>}
                {s.startedAt && <span>{formatDuration(s.startedAt, s.finishedAt)}</span>}
              </div>
            )}
            {s.error && <div className="step-error">{s.error}</div>}
          </div>
        </li>
      ))}
    </ol>
  );
}
