/**
 * Step 2: the plan run. Shows kc.sh's output live while Keycloak's
 * update-compatibility check runs in a scratch copy, then the plan main
 * computed from it. "Check again" starts a fresh plan run with the same
 * input (e.g. after fixing an option the check complained about).
 */
import { isActive, useRun } from '../../api/use-runs.ts';
import { useRunEvents } from '../../api/use-run-events.ts';
import { usePlan, useStartPlan } from '../../api/use-plan.ts';
import { useNav } from '../../app/nav-store.ts';
import { RunStatusBadge } from '../../components/Badges.tsx';
import { ErrorPanel, QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { StepsList } from '../runs/StepsList.tsx';
import { KcshOutput } from './KcshOutput.tsx';
import { PlanResult } from './PlanResult.tsx';
import { draftChoices } from './BlueGreenChoices.tsx';
import { editsToPlanInput, planKey } from './plan-edits.ts';
import { useWizardStore, type WizardDraft } from './wizard-store.ts';

/** The Pre-flight step for the draft's plan run. */
export function PreflightStep({ cluster, draft, planRunId }: { cluster: string; draft: WizardDraft; planRunId: string }) {
  const update = useWizardStore((s) => s.update);
  const navigate = useNav((s) => s.navigate);
  const run = useRun(planRunId);
  const active = run.data ? isActive(run.data.run.status) : !run.isError;
  const events = useRunEvents(planRunId, active);
  const plan = usePlan(planRunId, run.data !== undefined && !active);
  const again = useStartPlan();

  const recheck = () => {
    if (!draft.to) return;
    const { input } = editsToPlanInput(cluster, draft.to, draft.edits, draftChoices(draft));
    again.mutate(input, { onSuccess: ({ runId }) => update(cluster, { planRunId: runId, planKey: planKey(input), strategy: null }) });
  };

  return (
    <section className="panel wizard-panel" data-testid="wizard-preflight" data-plan-run={planRunId}>
      <div className="panel-header">
        <div>
          <h2 className="panel-title">Pre-flight</h2>
          <p className="muted small">
            Keycloak&apos;s <span className="mono">kc.sh update-compatibility check</span> with version <span className="mono">{draft.to}</span>, run in a scratch copy
            against the metadata of the running deployment. Nothing on the cluster changes.
          </p>
        </div>
        <span className="inline-gap">
          {run.data && <RunStatusBadge status={run.data.run.status} />}
          <button type="button" className="btn btn-small" onClick={() => navigate({ name: 'run', runId: planRunId })}>
            Open plan run
          </button>
        </span>
      </div>

      {run.isError ? (
        <QueryError query={run} title="Could not load the plan run" />
      ) : run.isPending ? (
        <Loading what="the plan run" />
      ) : (
        <div className="preflight-grid">
          <div className="preflight-steps">
            <StepsList steps={run.data.steps} />
          </div>
          {events.isError ? <QueryError query={events} title="Could not load kc.sh output" /> : <KcshOutput events={events.data?.events ?? []} live={active} />}
        </div>
      )}

      {!active && run.data && (
        <div className="preflight-outcome">
          {plan.isPending ? (
            <Loading what="the plan" />
          ) : plan.isError ? (
            <QueryError query={plan} title="No plan came out of this check" />
          ) : (
            <PlanResult plan={plan.data} />
          )}
        </div>
      )}

      {again.isError && <ErrorPanel error={again.error} title="The check did not start again" />}
      <div className="wizard-actions">
        <button type="button" className="btn" onClick={() => update(cluster, { step: 'target' })}>
          Back
        </button>
        <button type="button" className="btn" data-testid="preflight-recheck" onClick={recheck} disabled={active || again.isPending}>
          {again.isPending ? 'Starting…' : 'Check again'}
        </button>
        <span className="spacer" />
        <button type="button" className="btn btn-primary" data-testid="wizard-next" disabled={!plan.data} onClick={() => update(cluster, { step: 'strategy' })}>
          Next: strategy
        </button>
      </div>
    </section>
  );
}
