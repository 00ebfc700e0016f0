/** A list of runs (all, or one cluster's). Click a row to open its live view. */
import type { RunSummary } from '../../../../shared/contract/index.ts';
import { useNav } from '../../app/nav-store.ts';
import { RunStatusBadge } from '../../components/Badges.tsx';
import { formatAge, formatDateTime, formatDuration } from '../../lib/time.ts';

/** Run history table; `showCluster` is off on a cluster's own page. */
export function RunsTable({ runs, showCluster = true }: { runs: RunSummary[]; showCluster?: boolean }) {
  const navigate = useNav((s) => s.navigate);
  if (runs.length === 0) return <p className="muted empty">No runs yet.</p>;
  return (
    <table className="table table-clickable" data-testid="runs-table">
      <thead>
        <tr>
          <th>Status</th>
          <th>Kind</th>
          {showCluster && <th>Cluster</th>}
          <th>Change</th>
          <th>Strategy</th>
          <th>Started</th>
          <th className="num">Duration</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => {
          const open = () => navigate({ name: 'run', runId: r.id });
          return (
            <tr
              key={r.id}
              data-testid={`run-row-${r.id}`}
              tabIndex={0}
              onClick={open}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  open();
                }
              }}
              title={r.error ? `${r.error.message} — ${r.error.hint}` : undefined}
            >
              <td>
                <RunStatusBadge status={r.status} />
              </td>
              <td className="strong">{r.kind}</td>
              {showCluster && <td className="mono">{r.clusterName ?? <span className="muted">—</span>}</td>}
              <td className="mono">
                {r.fromVersion || r.toVersion ? `${r.fromVersion ?? '∅'} → ${r.toVersion ?? '∅'}` : <span className="muted">—</span>}
              </td>
              <td>{r.strategy ?? <span className="muted">—</span>}</td>
              <td title={formatDateTime(r.startedAt ?? r.createdAt)}>{formatAge(r.startedAt ?? r.createdAt)}</td>
              <td className="num mono">{formatDuration(r.startedAt, r.finishedAt)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
