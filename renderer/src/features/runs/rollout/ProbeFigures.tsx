/**
 * The prober's headline figures. `failed` leads and turns red above zero:
 * zero failed requests is the promise of a rolling upgrade, so it is the
 * number an operator must not have to look for.
 */
import type { ProbeSummary } from '../../../../../shared/contract/index.ts';
import type { TickFigures } from './probe-series.ts';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);

interface ProbeFiguresProps {
  summary: ProbeSummary | undefined;
  /** Running totals of the last tick: newer than the summary while the run is live. */
  tick: TickFigures | null;
}

/** Requests, failed, p50, p99 and failures by reason; dashes, not a green zero, when nothing was measured. */
export function ProbeFigures({ summary, tick }: ProbeFiguresProps) {
  const useTick = tick !== null && (summary === undefined || tick.requests > summary.requests);
  const requests = useTick ? tick.requests : (summary?.requests ?? 0);
  const failed = useTick ? tick.failed : (summary?.failed ?? 0);
  const measured = requests > 0;
  const reasons = Object.entries(summary?.failuresByReason ?? {}).filter(([, n]) => n > 0);
  return (
    <div className="probe-figures" data-testid="probe-figures">
      <dl className="figures">
        <div className={`figure${failed > 0 ? ' figure-bad' : measured ? ' figure-ok' : ''}`} title={measured ? undefined : 'No request measured yet'}>
          <dt>failed</dt>
          <dd className="mono" data-testid="probe-failed" data-measured={measured}>
            {measured ? failed : '—'}
          </dd>
        </div>
        <div className="figure">
          <dt>requests</dt>
          <dd className="mono" data-testid="probe-requests">
            {measured ? requests : '—'}
          </dd>
        </div>
        <div className="figure">
          <dt>p50</dt>
          <dd className="mono" data-testid="probe-p50">
            {ms(summary?.p50Ms)}
          </dd>
        </div>
        <div className="figure">
          <dt>p99</dt>
          <dd className="mono" data-testid="probe-p99">
            {ms(summary?.p99Ms)}
          </dd>
        </div>
      </dl>
      {reasons.length > 0 && (
        <ul className="plain-list small reasons-list">
          {reasons.map(([reason, n]) => (
            <li key={reason}>
              <span className="mono text-bad">{n}</span> <span className="mono">{reason}</span>
            </li>
          ))}
        </ul>
      )}
      {tick && tick.inFlight > 0 && <div className="muted small">{tick.inFlight} in flight</div>}
    </div>
  );
}
