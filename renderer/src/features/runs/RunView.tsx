/**
 * One run, live. The run and its steps come from `runs:get` (polled while the
 * run is active); the log comes from the ledger and the live stream
 * (`useRunEvents`). Nothing here is computed that main doesn't record: a
 * reload rebuilds exactly this view. Upgrades and rollbacks get the rollout
 * body (controls, node cards, prober); other runs the steps and the log.
 */
import { useMemo } from 'react';
import type { RunEvent, RunSummary, Step } from '../../../../shared/contract/index.ts';
import { isActive, useRefreshWhenRunEnds, useRun } from '../../api/use-runs.ts';
import { useRunEvents } from '../../api/use-run-events.ts';
import { useNav } from '../../app/nav-store.ts';
import { RunStatusBadge } from '../../components/Badges.tsx';
import { QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatDateTime, formatDuration } from '../../lib/time.ts';
import { useNow } from '../../lib/use-now.ts';
import { EventLog } from './EventLog.tsx';
import { ExportReportControls, ExportReportError, useExportReport } from './ExportReport.tsx';
import { foldLabProgress } from './lab-progress.ts';
import { LabProgressPanel } from './LabProgressPanel.tsx';
import { StepsList } from './StepsList.tsx';
import { RolloutBody } from './rollout/RolloutBody.tsx';

/** Run kinds that change a cluster node by node and can be steered. */
const rolloutKinds = new Set(['upgrade', 'rollback']);

/** Run screen. */
export function RunView({ runId }: { runId: string }) {
  const run = useRun(runId);
  const active = run.data ? isActive(run.data.run.status) : !run.isError;
  useRefreshWhenRunEnds(active);
  const events = useRunEvents(runId, active);
  const exporter = useExportReport(runId);
  const { navigate, back } = useNav.getState();
  useNow(active ? 1_000 : 60_000); // running duration ticks

  const list = useMemo(() => events.data?.events ?? [], [events.data]);
  const progress = useMemo(() => foldLabProgress(list), [list]);

  if (run.isPending) return <Loading what="the run" />;
  if (run.isError)
    return (
      <section className="view" data-testid="run-view">
        <PageHeader title="Run" back={{ label: 'Back', onClick: () => back({ name: 'runs' }) }} />
        <QueryError query={run} title="Could not load the run" />
      </section>
    );

  const r = run.data.run;
  return (
    <section className="view view-run" data-testid="run-view">
      <PageHeader
        back={{ label: 'Runs', onClick: () => navigate({ name: 'runs' }) }}
        title={
          <span className="inline-gap">
            <span>{r.kind}</span>
            {r.clusterName && <span className="mono muted">{r.clusterName}</span>}
            <span data-testid="run-status">
              <RunStatusBadge status={r.status} />
            </span>
          </span>
        }
        subtitle={
          <span className="inline-gap">
            {(r.fromVersion || r.toVersion) && (
              <span className="mono">
                {r.fromVersion ?? '∅'} → {r.toVersion ?? '∅'}
              </span>
            )}
            {r.strategy && <span>strategy {r.strategy}</span>}
            <span title={formatDateTime(r.startedAt)}>started {formatDateTime(r.startedAt ?? r.createdAt)}</span>
            <span className="mono">{formatDuration(r.startedAt, r.finishedAt)}</span>
            <span className="mono muted small">{r.id}</span>
          </span>
        }
        actions={
          <span className="inline-gap">
            <ExportReportControls exporter={exporter} />
            {r.clusterName && (
              <button type="button" className="btn" onClick={() => navigate({ name: 'cluster', cluster: r.clusterName! })}>
                Open cluster
              </button>
            )}
          </span>
        }
      />
      <ExportReportError exporter={exporter} />

      {rolloutKinds.has(r.kind) ? (
        events.isPending ? (
          <Loading what="events" />
        ) : (
          <>
            {events.isError && <QueryError query={events} title="Could not load the run's events" />}
            <RolloutBody run={r} steps={run.data.steps} events={list} active={active} />
          </>
        )
      ) : (
        <GenericRunBody r={r} steps={run.data.steps} progress={progress} events={events} list={list} active={active} />
      )}
    </section>
  );
}

interface GenericRunBodyProps {
  r: RunSummary;
  steps: Step[];
  progress: ReturnType<typeof foldLabProgress>;
  events: ReturnType<typeof useRunEvents>;
  list: RunEvent[];
  active: boolean;
}

/** Steps, provisioning progress and the log: lab builds, plans, metadata captures. */
function GenericRunBody({ r, steps, progress, events, list, active }: GenericRunBodyProps) {
  return (
    <>
      {r.error && (
        <div className="banner banner-error" role="alert" data-testid="run-error">
          <div className="banner-body">
            <div className="banner-message">{r.error.message}</div>
            <div className="banner-hint">{r.error.hint}</div>
            <div className="banner-code mono">{r.error.code}</div>
          </div>
        </div>
      )}

      <div className="run-layout">
        <aside className="run-side">
          <section className="panel panel-tight">
            <h2 className="panel-title">Steps</h2>
            <StepsList steps={steps} />
          </section>
          <LabProgressPanel progress={progress} />
        </aside>
        <div className="run-main">
          {events.isError && <QueryError query={events} title="Could not load the run's events" />}
          {events.isPending ? <Loading what="events" /> : <EventLog events={list} live={active} />}
        </div>
      </div>
    </>
  );
}
