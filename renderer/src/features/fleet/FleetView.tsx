/**
 * The fleet: every registered cluster, one row each, with what an on-call
 * operator checks first (environment, version, health, last backup, last run).
 * With no clusters yet it shows the first-run screen instead.
 */
import { useClusters } from '../../api/use-clusters.ts';
import { useNav } from '../../app/nav-store.ts';
import { QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useNow } from '../../lib/use-now.ts';
import { ClusterTable } from './ClusterTable.tsx';
import { FirstRun } from './FirstRun.tsx';
import { InterruptedRuns } from './InterruptedRuns.tsx';

/** Fleet screen. */
export function FleetView() {
  const clusters = useClusters();
  const navigate = useNav((s) => s.navigate);
  useNow(); // keeps "last backup 5 minutes ago" honest between polls

  if (!clusters.isSuccess)
    return (
      <section className="view" data-testid="fleet">
        <PageHeader title="Fleet" />
        {clusters.isPending ? <Loading what="clusters" /> : <QueryError query={clusters} title="Could not load the fleet" />}
      </section>
    );

  return (
    <section className="view" data-testid="fleet">
      {clusters.data.length === 0 ? (
        <FirstRun />
      ) : (
        <>
          <PageHeader
            title="Fleet"
            subtitle={`${clusters.data.length} cluster${clusters.data.length === 1 ? '' : 's'}`}
            actions={
              <button type="button" className="btn btn-primary" data-testid="register-cluster" onClick={() => navigate({ name: 'register' })}>
                Register cluster
              </button>
            }
          />
          <InterruptedRuns clusters={clusters.data} onOpen={(name) => navigate({ name: 'cluster', cluster: name })} />
          <ClusterTable clusters={clusters.data} onOpen={(name) => navigate({ name: 'cluster', cluster: name })} />
        </>
      )}
    </section>
  );
}
