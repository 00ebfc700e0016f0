/**
 * Step 1: the target version (artifact store plus Maven's published list,
 * newest first, the current one marked) and any option or feature edits.
 * "Next" starts the pre-flight plan run, unless the same target and edits
 * were already planned, in which case that plan is reused.
 */
import { useMemo } from 'react';
import type { ClusterDetail } from '../../../../shared/contract/index.ts';
import { usePlanVersions, useRefreshPlanVersions, useStartPlan } from '../../api/use-plan.ts';
import { ErrorPanel, QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { EditRows } from './EditRows.tsx';
import { draftChoices } from './BlueGreenChoices.tsx';
import { editsToPlanInput, planKey } from './plan-edits.ts';
import { useWizardStore, type WizardDraft } from './wizard-store.ts';

type Candidate = { version: string; stored: boolean; downloaded: boolean; change: string | null; direction: string | null };

function versionLabel(v: Candidate, current: string | null): string {
  const parts = [v.version];
  if (v.version === current) parts.push('(current)');
  else if (v.change) parts.push(`· ${v.change} ${v.direction === 'down' ? 'downgrade' : v.direction === 'up' ? 'up' : ''}`.trimEnd());
  if (v.stored) parts.push('· in store');
  else if (v.downloaded) parts.push('· downloaded');
  return parts.join(' ');
}

/** The Target step. */
export function TargetStep({ detail, draft }: { detail: ClusterDetail; draft: WizardDraft }) {
  const cluster = detail.name;
  const update = useWizardStore((s) => s.update);
  const versions = usePlanVersions(cluster);
  const refresh = useRefreshPlanVersions(cluster);
  const startPlan = useStartPlan();
  const current = versions.data?.current ?? detail.spec.keycloak.version;

  const { input, errors } = useMemo(() => editsToPlanInput(cluster, draft.to ?? '0.0.0', draft.edits, draftChoices(draft)), [cluster, draft.to, draft.edits, draft.promote, draft.freeze, draft.sessions]);
  const hasErrors = Object.keys(errors).length > 0;
  const canNext = draft.to !== null && draft.to !== current && !hasErrors && !startPlan.isPending;

  const next = () => {
    if (!canNext) return;
    const key = planKey(input);
    if (draft.planRunId && draft.planKey === key) return update(cluster, { step: 'preflight' });
    startPlan.mutate(input, { onSuccess: ({ runId }) => update(cluster, { planRunId: runId, planKey: key, strategy: null, step: 'preflight' }) });
  };

  return (
    <section className="panel wizard-panel" data-testid="wizard-target">
      <h2 className="panel-title">Target</h2>
      <div className="form-grid form-grid-2">
        <label className="field">
          <span className="field-label">Keycloak version</span>
          {versions.isPending ? (
            <Loading what="versions" />
          ) : versions.isError ? (
            <QueryError query={versions} title="Could not list target versions" />
          ) : (
            <select
              className="input mono"
              data-testid="target-version"
              value={draft.to ?? ''}
              onChange={(e) => update(cluster, { to: e.target.value || null })}
            >
              <option value="">Choose a version…</option>
              {versions.data.versions.map((v) => (
                <option key={v.version} value={v.version} disabled={v.version === current}>
                  {versionLabel(v, current)}
                </option>
              ))}
            </select>
          )}
          <span className="field-hint">
            Now on <span className="mono">{current}</span>. Newest first; &quot;in store&quot; versions need no download.
          </span>
        </label>
        <div className="field">
          <span className="field-label">Source</span>
          <div className="inline-gap small">
            {versions.data?.offline ? (
              <span className="text-warn" data-testid="versions-offline">
                Maven unreachable: only stored versions are listed. {versions.data.offlineReason}
              </span>
            ) : (
              <span className="muted">Artifact store and Maven Central metadata.</span>
            )}
            <button type="button" className="btn btn-small" onClick={() => refresh.mutate()} disabled={refresh.isPending}>
              {refresh.isPending ? 'Asking Maven…' : 'Refresh'}
            </button>
          </div>
          {refresh.isError && <ErrorPanel error={refresh.error} title="Could not refresh the version list" />}
        </div>
      </div>

      <h3 className="wizard-subtitle">Option and feature changes</h3>
      <p className="muted small">
        One <span className="mono">key = value</span> per row, without dashes. <span className="mono">features</span> and{' '}
        <span className="mono">features-disabled</span> take comma-separated lists and replace the recorded ones. Secrets are changed on the cluster, not here.
      </p>
      <EditRows rows={draft.edits} errors={errors} recorded={detail.spec.keycloak.options} onChange={(edits) => update(cluster, { edits })} />

      {startPlan.isError && <ErrorPanel error={startPlan.error} title="The pre-flight check did not start" />}
      <div className="wizard-actions">
        <span className="muted small">Next runs Keycloak&apos;s own update-compatibility check against this cluster&apos;s metadata. It changes nothing.</span>
        <span className="spacer" />
        <button type="button" className="btn btn-primary" data-testid="wizard-next" disabled={!canNext} onClick={next}>
          {startPlan.isPending ? 'Starting the check…' : 'Next: pre-flight'}
        </button>
      </div>
    </section>
  );
}
