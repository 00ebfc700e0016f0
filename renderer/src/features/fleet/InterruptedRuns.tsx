/**
 * Clusters whose last upgrade or rollback was left interrupted (its Keyturn
 * died) or paused: they may be between versions, so the fleet says so above
 * the table, with a link to each cluster's page where Resume and Rollback are.
 */
import type { ClusterSummary } from '../../../../shared/contract/index.ts';

/** The fleet's attention banner; nothing when no rollout is stuck. */
export function InterruptedRuns({ clusters, onOpen }: { clusters: ClusterSummary[]; onOpen: (name: string) => void }) {
  const stuck = clusters.filter((c) => c.lastRun && (c.lastRun.kind === 'upgrade' || c.lastRun.kind === 'rollback') && (c.lastRun.status === 'interrupted' || c.lastRun.status === 'paused'));
  if (stuck.length === 0) return null;
  const interrupted = stuck.some((c) => c.lastRun!.status === 'interrupted');
  return (
    <div className={`banner ${interrupted ? 'banner-error' : 'banner-warn'}`} role="status" data-testid="fleet-attention">
      <div className="banner-body">
        <div className="banner-message">
          {stuck.length === 1 ? 'One cluster has' : `${stuck.length} clusters have`} a rollout stopped half-way
        </div>
        <ul className="plain-list attention-list">
          {stuck.map((c) => (
            <li key={c.id}>
              <button type="button" className="btn-link mono" data-testid={`fleet-attention-${c.name}`} onClick={() => onOpen(c.name)}>
                {c.name}
              </button>{' '}
              <span className="small">
                {c.lastRun!.kind} {c.lastRun!.status}
                {c.lastRun!.status === 'interrupted' ? ': the Keyturn running it stopped; resume or roll back' : ': waiting for Resume or Rollback'}
              </span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
