/**
 * The upgrade wizard of one cluster: Target → Pre-flight → Strategy →
 * Backup → Run → Verify. The draft (which step, which target, which plan
 * run) is UI state in a per-cluster store that survives a reload; the plan
 * and the run are read from main, so nothing the engine knows is guessed.
 */
import { useEffect, useRef } from 'react';
import type { RunSummary } from '../../../../shared/contract/index.ts';
import { useCluster } from '../../api/use-clusters.ts';
import { usePlan } from '../../api/use-plan.ts';
import { isActive, useRun, useRuns } from '../../api/use-runs.ts';
import { useNav } from '../../app/nav-store.ts';
import { EnvBadge, RunStatusBadge } from '../../components/Badges.tsx';
import { QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { BackupStep } from './BackupStep.tsx';
import { PreflightStep } from './PreflightStep.tsx';
import { RunStep } from './RunStep.tsx';
import { StrategyStep } from './StrategyStep.tsx';
import { TargetStep } from './TargetStep.tsx';
import { VerifyStep } from './VerifyStep.tsx';
import { wizardSteps, useWizardDraft, useWizardStore, type WizardDraft, type WizardStep } from './wizard-store.ts';
import { WizardStepper, type StepperItem } from './WizardStepper.tsx';

/** The step that can really be shown: a draft missing what a step needs falls back to the last step it has. */
function effectiveStep(d: WizardDraft): WizardStep {
  if (d.runId) return d.step === 'verify' ? 'verify' : 'run';
  if (d.step === 'run' || d.step === 'verify') return d.strategy ? 'backup' : 'target';
  if (d.step !== 'target' && !d.planRunId) return 'target';
  return d.step;
}

function stepperItems(step: WizardStep, d: WizardDraft, run: RunSummary | undefined): StepperItem[] {
  const at = wizardSteps.indexOf(step);
  const started = d.runId !== null;
  return wizardSteps.map((s, i): StepperItem => {
    const current = step === s;
    if (s === 'run' && run && (run.status === 'failed' || run.status === 'aborted')) return { step: s, state: 'failed', current, open: true };
    if (s === 'verify') return { step: s, state: current ? 'current' : 'upcoming', current, open: run?.status === 'succeeded' };
    if (s === 'run' && run?.status === 'succeeded') return { step: s, state: current ? 'current' : 'done', current, open: true };
    const state = i < at ? 'done' : i === at ? 'current' : 'upcoming';
    return { step: s, state, current, open: started ? s === 'run' : i < at };
  });
}

/** Runs on this cluster that would collide with a new upgrade (or need attention first). */
const blocking = (r: RunSummary) => (r.kind === 'upgrade' || r.kind === 'rollback') && (isActive(r.status) || r.status === 'interrupted');

/** Wizard screen. */
export function UpgradeWizardView({ cluster }: { cluster: string }) {
  const detail = useCluster(cluster);
  const draft = useWizardDraft(cluster);
  const update = useWizardStore((s) => s.update);
  const reset = useWizardStore((s) => s.reset);
  const navigate = useNav((s) => s.navigate);
  const step = effectiveStep(draft);
  const run = useRun(draft.runId ?? '', draft.runId !== null);
  const plan = usePlan(draft.planRunId, step === 'strategy' || step === 'backup');
  const other = useRuns(cluster).data?.find((r) => blocking(r) && r.id !== draft.runId);

  // When the run succeeds while the operator watches it (or while the window was closed), move on to Verify once.
  const lastStatus = useRef<string | undefined>(undefined);
  const status = run.data?.run.status;
  useEffect(() => {
    if (status === 'succeeded' && lastStatus.current !== 'succeeded' && draft.step === 'run') update(cluster, { step: 'verify' });
    lastStatus.current = status;
  }, [status, draft.step, cluster, update]);

  const header = (
    <PageHeader
      back={{ label: cluster, onClick: () => navigate({ name: 'cluster', cluster }) }}
      title={
        <span className="inline-gap">
          <span>Upgrade</span>
          <span className="mono">{cluster}</span>
          {detail.data && <EnvBadge environment={detail.data.spec.environment} />}
        </span>
      }
      subtitle={
        detail.data && (
          <span className="inline-gap">
            <span className="mono">
              {run.data?.run.fromVersion ?? detail.data.spec.keycloak.version} → {draft.to ?? '?'}
            </span>
            <span>·</span>
            <span>{detail.data.spec.nodes.length} nodes</span>
            {draft.canary && <span>· canary</span>}
          </span>
        )
      }
      actions={
        !draft.runId &&
        (draft.to || draft.planRunId) && (
          <button type="button" className="btn btn-ghost" data-testid="wizard-discard" onClick={() => reset(cluster)}>
            Discard draft
          </button>
        )
      }
    />
  );

  if (detail.isPending) return <Loading what="the cluster" />;
  if (detail.isError)
    return (
      <section className="view" data-testid="upgrade-wizard">
        {header}
        <QueryError query={detail} title={`Could not load ${cluster}`} />
      </section>
    );

  return (
    <section className="view view-wizard" data-testid="upgrade-wizard" data-step={step}>
      {header}
      <WizardStepper items={stepperItems(step, draft, run.data?.run)} onOpen={(s) => update(cluster, { step: s })} />
      {other && (
        <div className="banner banner-warn" data-testid="wizard-other-run">
          <div className="banner-body">
            <div className="banner-message">
              <span className="inline-gap">
                {other.kind === 'upgrade' ? 'An upgrade' : 'A rollback'} of this cluster is <RunStatusBadge status={other.status} />
              </span>
            </div>
            <div className="banner-hint">Only one run may change a cluster at a time: finish, resume or roll it back before starting another.</div>
          </div>
          <div className="banner-actions">
            {/* A reload while upgrade:start was still answering loses the run id; this picks the run back up. */}
            {!draft.runId && other.kind === 'upgrade' && other.toVersion === draft.to && (
              <button type="button" className="btn btn-primary" data-testid="wizard-adopt-run" onClick={() => update(cluster, { runId: other.id, step: 'run' })}>
                Follow it here
              </button>
            )}
            <button type="button" className="btn" onClick={() => navigate({ name: 'run', runId: other.id })}>
              Open it
            </button>
          </div>
        </div>
      )}
      {step === 'target' && <TargetStep detail={detail.data} draft={draft} />}
      {step === 'preflight' && draft.planRunId && <PreflightStep cluster={cluster} draft={draft} planRunId={draft.planRunId} />}
      {(step === 'strategy' || step === 'backup') &&
        (plan.isPending ? (
          <Loading what="the plan" />
        ) : plan.isError ? (
          <QueryError query={plan} title="Could not load the plan" />
        ) : step === 'strategy' ? (
          <StrategyStep cluster={cluster} draft={draft} plan={plan.data} nodeCount={detail.data.spec.nodes.length} canFreeze={detail.data.spec.loadBalancer?.freeze !== undefined} />
        ) : (
          <BackupStep detail={detail.data} draft={draft} plan={plan.data} />
        ))}
      {step === 'run' && draft.runId && <RunStep cluster={cluster} runId={draft.runId} />}
      {step === 'verify' && draft.runId && <VerifyStep cluster={cluster} runId={draft.runId} />}
    </section>
  );
}
