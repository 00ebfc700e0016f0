/**
 * Rollback is planned, then confirmed: this panel shows what `rollback:plan`
 * says it will do and cost (mode, steps, then downtime and lost writes, each
 * counted loss on its line) before the button arms. A restore loses writes
 * and a recreate-back stops every node, so both also ask for the cluster's
 * name, typed, right under their cost. A restore's session policy is chosen
 * in the cost block (the plan's default preselected) and sent with
 * `rollback:start`. On start it opens the rollback run.
 */
import { useState } from 'react';
import type { SessionPolicy } from '../../../../../shared/contract/index.ts';
import { useRollbackPlan, useStartRollback } from '../../../api/use-upgrade.ts';
import { useNav } from '../../../app/nav-store.ts';
import { Badge } from '../../../components/Badges.tsx';
import { ErrorPanel, QueryError } from '../../../components/ErrorPanel.tsx';
import { Loading } from '../../../components/Loading.tsx';
import { formatAge, formatDateTime } from '../../../lib/time.ts';
import { TypedConfirmation } from '../../../components/TypedConfirmation.tsx';
import { RollbackCost, rollbackArmed, rollbackConfirmLead, rollbackNeedsTyping, rollbackStartInput } from './RollbackCost.tsx';

interface RollbackPanelProps {
  cluster: string;
  /** The upgrade run on screen, to say so when the rollback undoes a different (later) one. */
  viewedRunId?: string;
  /** The upgrade is still running: main stops it after its current step first. */
  stopsRunning?: boolean;
  onClose: () => void;
}

const size = (bytes: number) => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} kB`);

/** The rollback plan with its confirmation. */
export function RollbackPanel({ cluster, viewedRunId, stopsRunning = false, onClose }: RollbackPanelProps) {
  const plan = useRollbackPlan(cluster, true);
  const start = useStartRollback();
  const navigate = useNav((s) => s.navigate);
  const [typed, setTyped] = useState('');
  const [policy, setPolicy] = useState<SessionPolicy | null>(null);

  const p = plan.data;
  const mustType = p !== undefined && rollbackNeedsTyping(p);
  const armed = rollbackArmed(p, cluster, typed, start.isPending);
  const outage = p?.mode === 'restore' || p?.mode === 'recreate-back';

  return (
    <section className={`panel rollback-panel${outage ? ' panel-danger' : ''}`} data-testid="rollback-plan" data-mode={p?.mode}>
      <div className="panel-header">
        <div>
          <h2 className="panel-title">{p?.mode === 'switch-back' ? 'Switch back plan' : 'Rollback plan'}</h2>
          <p className="muted small">What Keyturn will do to undo the last upgrade of {cluster}, and what it costs. Nothing happens until you confirm.</p>
        </div>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose} disabled={start.isPending}>
          Close
        </button>
      </div>
      {plan.isPending ? (
        <Loading what="the rollback plan (comparing the database schema with the backup)" />
      ) : plan.isError ? (
        <QueryError query={plan} title="Could not plan the rollback" />
      ) : (
        p && (
          <>
            <dl className="kv kv-wide">
              <dt>Mode</dt>
              <dd>
                <span className="inline-gap">
                  <Badge tone={p.mode === 'restore' ? 'bad' : p.mode === 'recreate-back' ? 'warn' : 'ok'} testId="rollback-mode">
                    {p.mode}
                  </Badge>
                  <span className="mono">
                    {p.fromVersion} → {p.toVersion}
                  </span>
                  <span className="muted small">{p.schemaChanged ? 'database schema changed since the backup' : 'database schema unchanged'}</span>
                </span>
              </dd>
              <dt>Backup</dt>
              <dd className="mono small">
                {p.backup ? (
                  <span title={formatDateTime(p.backup.createdAt)}>
                    {p.backup.id.slice(0, 8)} · {size(p.backup.size)} · taken {formatAge(p.backup.createdAt)}
                  </span>
                ) : (
                  <span className="muted">none</span>
                )}
              </dd>
              <dt>Why</dt>
              <dd>{p.explanation}</dd>
            </dl>
            <ol className="plan-steps">
              {p.steps.map((s, i) => (
                <li key={i}>{s}</li>
              ))}
            </ol>
            {viewedRunId && p.runId !== viewedRunId && (
              <div className="banner banner-warn banner-compact">
                <div className="banner-body">
                  This undoes the cluster&apos;s <strong>last</strong> upgrade (<span className="mono">{p.runId.slice(0, 8)}</span>), not the run on screen.
                </div>
              </div>
            )}
            <RollbackCost plan={p} {...(policy ? { sessionPolicy: policy } : {})} onSessionPolicy={setPolicy} disabled={start.isPending} />
            <form
              className="confirm-box"
              onSubmit={(e) => {
                e.preventDefault();
                if (armed) start.mutate(rollbackStartInput(cluster, p, policy), { onSuccess: ({ runId }) => navigate({ name: 'run', runId }) });
              }}
            >
              {mustType && (
                <TypedConfirmation name={cluster} value={typed} onChange={setTyped} testId="rollback-confirm-input" lead={rollbackConfirmLead(p.mode)} />
              )}
              <div className="inline-gap">
                <button type="submit" className={`btn ${outage ? 'btn-danger' : 'btn-primary'}`} data-testid="rollback-confirm" disabled={!armed}>
                  {start.isPending
                    ? stopsRunning
                      ? 'Stopping the upgrade, then rolling back…'
                      : 'Starting the rollback…'
                    : p.mode === 'restore'
                      ? 'Restore and roll back'
                      : p.mode === 'recreate-back'
                        ? 'Stop every node and roll back'
                        : p.mode === 'switch-back'
                          ? 'Switch back'
                          : 'Roll back'}
                </button>
                {stopsRunning && <span className="muted small">The running upgrade stops after its current step first; this can take a few minutes.</span>}
              </div>
              {start.isError && <ErrorPanel error={start.error} title="The rollback did not start" />}
            </form>
          </>
        )
      )}
    </section>
  );
}
