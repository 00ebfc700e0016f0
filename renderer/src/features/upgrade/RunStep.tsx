/**
 * Step 5: the run itself, rebuilt from main (`runs:get` + `runs:events`) so a
 * reload in the middle of a rollout shows exactly what the ledger holds.
 */
import { isActive, useRefreshWhenRunEnds, useRun } from '../../api/use-runs.ts';
import { useRunEvents } from '../../api/use-run-events.ts';
import { useNav } from '../../app/nav-store.ts';
import { QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useNow } from '../../lib/use-now.ts';
import { RolloutBody } from '../runs/rollout/RolloutBody.tsx';
import { useWizardStore } from './wizard-store.ts';

/** The Run step for the draft's run. */
export function RunStep({ cluster, runId }: { cluster: string; runId: string }) {
  const update = useWizardStore((s) => s.update);
  const reset = useWizardStore((s) => s.reset);
  const navigate = useNav((s) => s.navigate);
  const run = useRun(runId);
  const active = run.data ? isActive(run.data.run.status) : !run.isError;
  useRefreshWhenRunEnds(active);
  const events = useRunEvents(runId, active);
  useNow(active ? 1_000 : 60_000); // elapsed times on the node cards

  if (run.isPending || events.isPending) return <Loading what="the run" />;
  if (run.isError) return <QueryError query={run} title="Could not load the run" />;
  const r = run.data.run;
  const finishedBadly = r.status === 'failed' || r.status === 'aborted';

  return (
    <section className="wizard-run" data-testid="wizard-run" data-run-id={runId}>
      {events.isError && <QueryError query={events} title="Could not load the run's events" />}
      <RolloutBody run={r} steps={run.data.steps} events={events.data?.events ?? []} active={active} />
      <div className="wizard-actions">
        <button type="button" className="btn" onClick={() => navigate({ name: 'run', runId })}>
          Open in Runs
        </button>
        <span className="spacer" />
        {finishedBadly && (
          <button type="button" className="btn" data-testid="wizard-new" onClick={() => reset(cluster)}>
            Start a new upgrade
          </button>
        )}
        {r.status === 'succeeded' && (
          <button type="button" className="btn btn-primary" data-testid="wizard-next" onClick={() => update(cluster, { step: 'verify' })}>
            Next: verify
          </button>
        )}
      </div>
    </section>
  );
}
