/**
 * The availability panel of a rollout: the chart (ledger series read once,
 * then live ticks) and the figures (summary polled while the run is active).
 * When the run has no prober it says why instead of showing an empty chart,
 * because "no data" must never read as "no failures".
 */
import { lazy, Suspense, useEffect, useMemo, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { RunEvent } from '../../../../../shared/contract/index.ts';
import { queryKeys } from '../../../api/query-keys.ts';
import { useProbeSeries, useProbeSummary } from '../../../api/use-probe.ts';
import { QueryError } from '../../../components/ErrorPanel.tsx';
import { ProbeFigures } from './ProbeFigures.tsx';
import { latestTick, mergeProbeSeries } from './probe-series.ts';

/** recharts is most of the bundle's weight; only run screens need it, so it loads with the first chart. */
const ProbeChart = lazy(() => import('./ProbeChart.tsx').then((m) => ({ default: m.ProbeChart })));

/** Chart and figures of `runId`'s prober. */
export function ProbePanel({ runId, events, active }: { runId: string; events: readonly RunEvent[]; active: boolean }) {
  const qc = useQueryClient();
  const series = useProbeSeries(runId);
  const summary = useProbeSummary(runId, active);
  const points = useMemo(() => mergeProbeSeries(series.data ?? [], events), [series.data, events]);
  const tick = useMemo(() => latestTick(events), [events]);
  const disabled = useMemo(() => events.find((e) => e.kind === 'probe.disabled'), [events]);

  // When the run ends, read the ledger's buckets once more so the chart shows recorded seconds, not tick approximations.
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) {
      void qc.invalidateQueries({ queryKey: queryKeys.probeSeries(runId) });
      void qc.invalidateQueries({ queryKey: queryKeys.probeSummary(runId) });
    }
    wasActive.current = active;
  }, [active, qc, runId]);

  return (
    <section className="panel panel-tight probe-panel" data-testid="probe-panel">
      <h2 className="panel-title">
        Availability <span className="muted small">what clients saw during the run</span>
      </h2>
      {disabled && points.length === 0 && (
        <div className="banner banner-warn banner-compact" data-testid="probe-disabled">
          <div className="banner-body">
            <div className="banner-message">Availability is not measured for this run.</div>
            <div className="banner-hint">{String(disabled.data.message ?? '')}</div>
          </div>
        </div>
      )}
      {series.isError && <QueryError query={series} title="Could not load the probe series" />}
      <div className="probe-body">
        <Suspense fallback={<div className="probe-chart-empty muted small">Loading the chart…</div>}>
          <ProbeChart points={points} events={events} unmeasured={disabled !== undefined} />
        </Suspense>
        <ProbeFigures summary={summary.data} tick={tick} />
      </div>
    </section>
  );
}
