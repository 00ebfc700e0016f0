/**
 * What needs the operator on this cluster before anything else: an upgrade
 * or rollback left `interrupted` by a Keyturn that died (the cluster may be
 * between versions), one that is paused, or one running right now. It sits
 * at the top of the cluster page with the buttons that deal with it.
 */
import { useState } from 'react';
import type { RunSummary } from '../../../../shared/contract/index.ts';
import { useRunControl } from '../../api/use-upgrade.ts';
import { useNav } from '../../app/nav-store.ts';
import { RunStatusBadge } from '../../components/Badges.tsx';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { formatAge } from '../../lib/time.ts';
import { RollbackPanel } from '../runs/rollout/RollbackPanel.tsx';

const rolloutKinds = new Set(['upgrade', 'rollback']);

/** The newest upgrade/rollback run that is interrupted, paused or active (runs come newest first). */
export function runNeedingAttention(runs: readonly RunSummary[]): RunSummary | null {
  const latest = runs.find((r) => rolloutKinds.has(r.kind));
  if (!latest) return null;
  return ['interrupted', 'paused', 'running', 'pending'].includes(latest.status) ? latest : null;
}

const change = (r: RunSummary) => (r.fromVersion || r.toVersion ? `${r.fromVersion ?? '?'} → ${r.toVersion ?? '?'}` : '');

/** The banner, or nothing when every rollout on this cluster has ended. */
export function ClusterRunBanner({ cluster, runs }: { cluster: string; runs: readonly RunSummary[] }) {
  const navigate = useNav((s) => s.navigate);
  const resume = useRunControl('resume');
  const [rollbackOpen, setRollbackOpen] = useState(false);
  const run = runNeedingAttention(runs);
  if (!run) return null;

  // A blue/green run's Resume may be its promotion: the run view says so and what it costs, so the banner only leads there.
  const blueGreen = run.strategy === 'blue-green' || run.strategy === 'switch-back';
  const stopped = (run.status === 'interrupted' || run.status === 'paused') && !blueGreen;
  const tone = run.status === 'interrupted' ? 'banner-error' : run.status === 'paused' ? 'banner-warn' : 'banner-info';
  const testId = run.status === 'interrupted' ? 'interrupted-run-banner' : run.status === 'paused' ? 'paused-run-banner' : 'active-run-banner';
  const text = blueGreen
    ? run.status === 'running' || run.status === 'pending'
      ? 'A blue/green run: the new colour is built beside the serving one, then traffic switches. Open the run to watch it.'
      : `A blue/green run is ${run.status}; nothing switches until you act. Open the run: it says what Promote, Resume or Switch back will do and cost.`
    : run.status === 'interrupted'
      ? `The Keyturn process running this ${run.kind} stopped before it finished; the cluster may be between versions. Resume checks what every node runs, then continues; Rollback puts the previous version back.`
      : run.status === 'paused'
        ? `Paused at a node boundary; no node is changing. Resume continues with the next node; Rollback undoes what was done.`
        : `Nodes are being changed one at a time. Open the run to watch it, pause it or roll it back.`;

  return (
    <div className="stack-tight">
      <div className={`banner ${tone} banner-attention`} role={run.status === 'interrupted' ? 'alert' : 'status'} data-testid={testId} data-run-id={run.id}>
        <div className="banner-body">
          <div className="banner-message inline-gap">
            <span>
              {run.kind === 'upgrade' ? 'Upgrade' : 'Rollback'} <span className="mono">{change(run)}</span>
            </span>
            <RunStatusBadge status={run.status} />
            <span className="muted small">started {formatAge(run.startedAt ?? run.createdAt)}</span>
          </div>
          <div className="banner-hint">{text}</div>
        </div>
        <div className="banner-actions">
          {stopped && (
            <button type="button" className="btn btn-primary" data-testid="banner-resume" disabled={resume.isPending} onClick={() => resume.mutate(run.id, { onSuccess: () => navigate({ name: 'run', runId: run.id }) })}>
              {resume.isPending ? 'Checking the nodes…' : 'Resume'}
            </button>
          )}
          {stopped && (
            <button type="button" className="btn btn-danger-outline" data-testid="banner-rollback" disabled={rollbackOpen} onClick={() => setRollbackOpen(true)}>
              Rollback…
            </button>
          )}
          <button type="button" className="btn" data-testid="banner-open-run" onClick={() => navigate({ name: 'run', runId: run.id })}>
            Open run
          </button>
        </div>
      </div>
      {resume.isError && <ErrorPanel error={resume.error} title="The run did not resume" />}
      {rollbackOpen && <RollbackPanel cluster={cluster} onClose={() => setRollbackOpen(false)} />}
    </div>
  );
}
