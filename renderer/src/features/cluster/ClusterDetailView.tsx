/**
 * One cluster: what is registered, whether Keyturn can reach and trust its
 * nodes, what has been done to it, and (last, out of the way) removal.
 */
import { useClusters, useCluster } from '../../api/use-clusters.ts';
import { useRuns } from '../../api/use-runs.ts';
import { useNav } from '../../app/nav-store.ts';
import { EnvBadge, HealthBadge } from '../../components/Badges.tsx';
import { QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatAge } from '../../lib/time.ts';
import { useNow } from '../../lib/use-now.ts';
import { RunsTable } from '../runs/RunsTable.tsx';
import { ClusterRunBanner, runNeedingAttention } from './ClusterRunBanner.tsx';
import { HostKeyCheck } from './HostKeyCheck.tsx';
import { NodesTable } from './NodesTable.tsx';
import { RemoveCluster } from './RemoveCluster.tsx';
import { SpecSummary } from './SpecSummary.tsx';

/** Cluster detail screen. */
export function ClusterDetailView({ name }: { name: string }) {
  const detail = useCluster(name);
  const summary = useClusters().data?.find((c) => c.name === name);
  const runs = useRuns(name);
  const { navigate, replace } = useNav.getState();
  useNow();
  const attention = runs.data ? runNeedingAttention(runs.data) : null;

  return (
    <section className="view" data-testid="cluster-detail">
      <PageHeader
        back={{ label: 'Fleet', onClick: () => navigate({ name: 'fleet' }) }}
        title={
          <span className="inline-gap">
            <span className="mono">{name}</span>
            {detail.data && <EnvBadge environment={detail.data.spec.environment} />}
            {summary && <HealthBadge health={summary.health} title={summary.healthCheckedAt ? `checked ${formatAge(summary.healthCheckedAt)}` : 'not checked yet'} />}
          </span>
        }
        subtitle={
          detail.data && (
            <span className="inline-gap">
              <span>
                Keycloak <span className="mono">{detail.data.spec.keycloak.version}</span>
              </span>
              <span>·</span>
              <span>
                {detail.data.nodes.length} node{detail.data.nodes.length === 1 ? '' : 's'}
              </span>
              <span>·</span>
              <span>last backup {formatAge(summary?.lastBackupAt)}</span>
              {detail.data.spec.description && (
                <>
                  <span>·</span>
                  <span className="muted">{detail.data.spec.description}</span>
                </>
              )}
            </span>
          )
        }
        actions={
          detail.data && (
            <>
              <button type="button" className="btn" data-testid="edit-cluster" onClick={() => navigate({ name: 'edit', cluster: name })}>
                Edit
              </button>
              <button
                type="button"
                className="btn btn-primary"
                data-testid="start-upgrade"
                title={attention ? `A ${attention.kind} of this cluster is ${attention.status}; the wizard shows it.` : 'Plan and run an upgrade of this cluster'}
                onClick={() => navigate({ name: 'upgrade', cluster: name })}
              >
                Upgrade…
              </button>
            </>
          )
        }
      />

      {detail.isPending ? (
        <Loading what="the cluster" />
      ) : detail.isError ? (
        <QueryError query={detail} title={`Could not load ${name}`} />
      ) : (
        <div className="stack">
          {runs.data && <ClusterRunBanner cluster={name} runs={runs.data} />}
          <SpecSummary spec={detail.data.spec} />
          <section className="panel">
            <h2 className="panel-title">Nodes</h2>
            <NodesTable detail={detail.data} />
          </section>
          <HostKeyCheck cluster={name} />
          <section className="panel">
            <h2 className="panel-title">Run history</h2>
            {runs.isPending ? <Loading what="runs" /> : runs.isError ? <QueryError query={runs} title="Could not load the run history" /> : <RunsTable runs={runs.data} showCluster={false} />}
          </section>
          <RemoveCluster cluster={name} onRemoved={() => replace({ name: 'fleet' })} />
        </div>
      )}
    </section>
  );
}
