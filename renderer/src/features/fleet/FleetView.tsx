/**
 * The fleet, the home screen of an on-call laptop: every registered cluster,
 * one row each, with how far behind it is, its backup, last run, standby and
 * the next action it needs; sortable and filterable by environment. With no
 * clusters yet it shows the first-run screen instead.
 */
import { useState } from 'react';
import { useClusters } from '../../api/use-clusters.ts';
import { useNav } from '../../app/nav-store.ts';
import { QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useNow } from '../../lib/use-now.ts';
import { ClusterTable } from './ClusterTable.tsx';
import { defaultFleetSort, environmentsOf, orderFleet, toggleSort, type FleetSort } from './fleet-order.ts';
import { FirstRun } from './FirstRun.tsx';
import { InterruptedRuns } from './InterruptedRuns.tsx';

/** Fleet screen. */
export function FleetView() {
  const clusters = useClusters();
  const navigate = useNav((s) => s.navigate);
  const [sort, setSort] = useState<FleetSort>(defaultFleetSort);
  const [environment, setEnvironment] = useState<string | null>(null);
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
          <div className="inline-gap">
            <select
              className="input input-small"
              aria-label="Environment"
              title="Show the clusters of one environment"
              data-testid="fleet-environment"
              value={environment ?? ''}
              onChange={(e) => setEnvironment(e.target.value === '' ? null : e.target.value)}
            >
              <option value="">All environments</option>
              {environmentsOf(clusters.data).map((env) => (
                <option key={env} value={env}>
                  {env}
                </option>
              ))}
            </select>
          </div>
          <ClusterTable
            clusters={orderFleet(clusters.data, sort, environment)}
            sort={sort}
            onSort={(column) => setSort((s) => toggleSort(s, column))}
            onOpen={(name) => navigate({ name: 'cluster', cluster: name })}
          />
        </>
      )}
    </section>
  );
}
