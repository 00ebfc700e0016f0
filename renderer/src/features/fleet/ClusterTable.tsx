/** The fleet table. Rows are buttons-in-disguise: click or Enter opens the cluster. */
import type { ClusterSummary } from '../../../../shared/contract/index.ts';
import { EnvBadge, HealthBadge, RunStatusBadge } from '../../components/Badges.tsx';
import { formatAge, formatDateTime } from '../../lib/time.ts';

interface ClusterTableProps {
  clusters: ClusterSummary[];
  onOpen: (name: string) => void;
}

/** A rollout left stopped in the middle: the row is marked so it can't be missed in a long fleet. */
function attentionClass(c: ClusterSummary): string | undefined {
  if (!c.lastRun || (c.lastRun.kind !== 'upgrade' && c.lastRun.kind !== 'rollback')) return undefined;
  if (c.lastRun.status === 'interrupted' || c.lastRun.status === 'failed') return 'row-bad';
  if (c.lastRun.status === 'paused') return 'row-warn';
  return undefined;
}

/** One row per cluster. */
export function ClusterTable({ clusters, onOpen }: ClusterTableProps) {
  return (
    <table className="table table-clickable">
      <thead>
        <tr>
          <th>Cluster</th>
          <th>Environment</th>
          <th>Keycloak</th>
          <th className="num">Nodes</th>
          <th>Health</th>
          <th>Last backup</th>
          <th>Last run</th>
        </tr>
      </thead>
      <tbody>
        {clusters.map((c) => (
          <tr
            key={c.id}
            data-testid={`cluster-row-${c.name}`}
            className={attentionClass(c)}
            tabIndex={0}
            onClick={() => onOpen(c.name)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                onOpen(c.name);
              }
            }}
          >
            <td className="strong">{c.name}</td>
            <td>
              <EnvBadge environment={c.environment} />
            </td>
            <td className="mono">{c.version}</td>
            <td className="num mono">{c.nodeCount}</td>
            <td>
              <HealthBadge health={c.health} title={c.healthCheckedAt ? `checked ${formatAge(c.healthCheckedAt)}` : 'not checked yet'} />
            </td>
            <td className={c.lastBackupAt ? '' : 'muted'} title={formatDateTime(c.lastBackupAt)}>
              {formatAge(c.lastBackupAt)}
            </td>
            <td>
              {c.lastRun ? (
                <span className="inline-gap">
                  <span>{c.lastRun.kind}</span>
                  <RunStatusBadge status={c.lastRun.status} />
                  {c.lastRun.finishedAt && <span className="muted small">{formatAge(c.lastRun.finishedAt)}</span>}
                </span>
              ) : (
                <span className="muted">none</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
