/**
 * Step 4: the safety net, then the start. Every upgrade run takes a pg_dump
 * of the cluster's database as its first change, so the way back exists
 * before anything moves; the last backups are listed for context. A
 * production cluster asks for its name, typed, before the button arms.
 */
import { useState } from 'react';
import { executableStrategySchema, type ClusterDetail, type ExecutableStrategy, type Plan, type Strategy } from '../../../../shared/contract/index.ts';
import { useBackups } from '../../api/use-backups.ts';
import { useStartUpgrade } from '../../api/use-upgrade.ts';
import { Badge } from '../../components/Badges.tsx';
import { ErrorPanel, QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { clause, sentences } from '../../lib/text.ts';
import { formatAge, formatDateTime } from '../../lib/time.ts';
import { useWizardStore, type WizardDraft } from './wizard-store.ts';
import { TypedConfirmation } from '../../components/TypedConfirmation.tsx';
import { plannedColour, plannedPromote } from './BlueGreenChoices.tsx';

const LAST_BACKUPS = 5;
/** The strategy the wizard may start: one main says it can run for this plan, by the contract's own list of executable names. */
export function runnableStrategy(strategy: Strategy | undefined): ExecutableStrategy | null {
  if (!strategy?.executable) return null;
  const parsed = executableStrategySchema.safeParse(strategy.name);
  return parsed.success ? parsed.data : null;
}

/** "You are about to start": the strategy in a clause, from what the plan says. */
export function startClause(runnable: ExecutableStrategy | null, plan: Plan, canary: boolean, trafficName: string): string {
  if (runnable === 'recreate') return 'recreate: every node stops, then starts on the new version';
  if (runnable === 'blue-green') {
    const colour = plannedColour(plan) ?? 'the new colour';
    const promote = plannedPromote(plan);
    return `blue-green: ${colour} is built beside the serving colour from a fresh backup, then ${trafficName} switches to it${promote === 'manual' ? ` once you press "Promote ${colour}"` : promote === 'auto' ? ' as soon as it passed its checks' : ''}`;
  }
  return `rolling, one node at a time${canary ? ', pausing after the first node (canary)' : ''}`;
}

const size = (bytes: number) => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} kB`);

/** The Backup step and the start button. */
export function BackupStep({ detail, draft, plan }: { detail: ClusterDetail; draft: WizardDraft; plan: Plan }) {
  const cluster = detail.name;
  const update = useWizardStore((s) => s.update);
  const backups = useBackups(cluster);
  const start = useStartUpgrade();
  const [typed, setTyped] = useState('');
  const production = detail.spec.environment === 'production';
  const strategy = plan.strategies.find((s) => s.name === draft.strategy);
  const runnable = runnableStrategy(strategy);
  const armed = (!production || typed === cluster) && draft.to !== null && runnable !== null && !start.isPending;

  const go = () => {
    if (!armed || !runnable) return;
    // The approved plan itself, by its id: main runs exactly its steps, or refuses it as stale.
    start.mutate({ plan: plan.runId, strategy: runnable, canary: runnable === 'rolling' && draft.canary }, { onSuccess: ({ runId }) => update(cluster, { runId, step: 'run' }) });
  };

  return (
    <section className="panel wizard-panel" data-testid="wizard-backup">
      <h2 className="panel-title">Backup</h2>
      {runnable !== 'blue-green' && (
        <p>
          The run&apos;s first change is a <strong>pg_dump</strong> of <span className="mono">{detail.spec.database.name}</span> on{' '}
          <span className="mono">{detail.spec.database.host}</span> (custom format, sha256 recorded). If it fails, nothing else happens. Rollback uses it when the new
          version has migrated the schema.
        </p>
      )}
      {strategy && (
        <p className="muted small">{sentences(strategy.backup.what, strategy.backup.why)}</p>
      )}

      <h3 className="wizard-subtitle">Last backups</h3>
      {backups.isPending ? (
        <Loading what="backups" />
      ) : backups.isError ? (
        <QueryError query={backups} title="Could not list backups" />
      ) : backups.data.length === 0 ? (
        <p className="muted small" data-testid="backups-none">No backup yet: the one this run takes will be the first.</p>
      ) : (
        <table className="table table-compact" data-testid="backups-table">
          <thead>
            <tr>
              <th>Taken</th>
              <th>Keycloak</th>
              <th className="num">Size</th>
              <th>Schema</th>
              <th>Verified</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {backups.data.slice(0, LAST_BACKUPS).map((b) => (
              <tr key={b.id} data-testid={`backup-row-${b.id}`}>
                <td title={formatDateTime(b.createdAt)}>{formatAge(b.createdAt)}</td>
                <td className="mono">{b.keycloakVersion}</td>
                <td className="num mono">{size(b.size)}</td>
                <td className="mono small">{b.changelog ? `${b.changelog.count} change sets` : '—'}</td>
                <td>
                  {b.lastVerification ? (
                    <Badge tone={b.lastVerification.ok ? 'ok' : 'bad'} title={b.lastVerification.error ?? undefined}>
                      {b.lastVerification.ok ? `restored ${formatAge(b.verifiedAt)}` : 'failed'}
                    </Badge>
                  ) : (
                    <span className="muted small">not verified</span>
                  )}
                </td>
                <td className="small">{b.runId ? 'upgrade run' : 'manual'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <div className="start-summary" data-testid="start-summary">
        <div className="strong">You are about to start</div>
        <div>
          <span className="mono">{cluster}</span>: Keycloak <span className="mono">{plan.from}</span> → <span className="mono">{draft.to}</span>,{' '}
          {startClause(runnable, plan, runnable === 'rolling' && draft.canary, detail.spec.traffic.name)}.{' '}
          <span className={strategy && strategy.downtime.seconds > 0 ? 'text-warn strong' : undefined} data-testid="start-downtime">
            Expected downtime: {clause(strategy?.downtime.text ?? 'none')}.
          </span>
        </div>
        <div className="muted small">
          Keyturn runs exactly the {strategy?.steps.length ?? 0} steps of this plan, and refuses it if the cluster, the artifact or the compatibility metadata changed since; Pause, Abort and Rollback stay on screen throughout.
        </div>
        {strategy && !strategy.executable && <div className="text-warn small" data-testid="start-not-executable">{strategy.executableWhy}</div>}
      </div>

      <form
        className="confirm-box"
        onSubmit={(e) => {
          e.preventDefault();
          go();
        }}
      >
        {production && (
          <TypedConfirmation name={cluster} value={typed} onChange={setTyped} testId="confirm-upgrade-input" lead={<Badge tone="warn">production</Badge>} />
        )}
        <div className="inline-gap">
          <button type="button" className="btn" onClick={() => update(cluster, { step: 'strategy' })} disabled={start.isPending}>
            Back
          </button>
          <button type="submit" className="btn btn-primary" data-testid="start-run" disabled={!armed}>
            {start.isPending ? 'Checking the plan and starting…' : `Back up and upgrade to ${draft.to ?? '…'}`}
          </button>
        </div>
        {start.isError && <ErrorPanel error={start.error} title="The upgrade did not start" />}
      </form>
    </section>
  );
}
