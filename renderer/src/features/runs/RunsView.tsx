/** Run history across every cluster (and the sandbox), newest first. */
import { useRuns } from '../../api/use-runs.ts';
import { QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useNow } from '../../lib/use-now.ts';
import { RunsTable } from './RunsTable.tsx';

/** Runs screen. */
export function RunsView() {
  const runs = useRuns();
  useNow();
  return (
    <section className="view" data-testid="runs">
      <PageHeader title="Runs" subtitle="Every operation Keyturn performed, from the ledger." />
      {runs.isPending ? <Loading what="runs" /> : runs.isError ? <QueryError query={runs} title="Could not load the run history" /> : <RunsTable runs={runs.data} />}
    </section>
  );
}
