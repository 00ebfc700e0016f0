/**
 * The fleet table: per cluster what an on-call operator needs to decide what
 * to do next (version and how far behind, backup age and verification, the
 * last run and what users saw, a standby left running, the next action).
 * Headers sort (aria-sort says how); rows are buttons-in-disguise: click or
 * Enter opens the cluster.
 */
import type { ClusterSummary } from '../../../../shared/contract/index.ts';
import { Badge, EnvBadge, HealthBadge, RunStatusBadge } from '../../components/Badges.tsx';
import { formatAge, formatDateTime } from '../../lib/time.ts';
import type { FleetColumn, FleetSort } from './fleet-order.ts';

interface ClusterTableProps {
  clusters: ClusterSummary[];
  onOpen: (name: string) => void;
  sort: FleetSort;
  onSort: (column: FleetColumn) => void;
}

/** A rollout left stopped in the middle: the row is marked so it can't be missed in a long fleet. */
function attentionClass(c: ClusterSummary): string | undefined {
  const first = c.nextActions?.[0];
  if (first?.severity === 'critical') return 'row-bad';
  if (!c.lastRun || (c.lastRun.kind !== 'upgrade' && c.lastRun.kind !== 'rollback')) return undefined;
  if (c.lastRun.status === 'interrupted' || c.lastRun.status === 'failed') return 'row-bad';
  if (c.lastRun.status === 'paused') return 'row-warn';
  return undefined;
}

const severityTone = { critical: 'bad', warning: 'warn', info: 'info' } as const;

function SortHeader({ column, label, sort, onSort }: { column: FleetColumn; label: string; sort: FleetSort; onSort: (c: FleetColumn) => void }) {
  const active = sort.column === column;
  return (
    <th aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="btn-link" data-testid={`sort-${column}`} onClick={() => onSort(column)} title={`Sort by ${label.toLowerCase()}`}>
        {label}
        {active ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}
      </button>
    </th>
  );
}

function BackupCell({ c }: { c: ClusterSummary }) {
  const at = c.lastBackup?.at ?? c.lastBackupAt;
  if (!at) return <span className="muted">none</span>;
  return (
    <span className="inline-gap" title={formatDateTime(at)}>
      <span>{formatAge(at)}</span>
      {c.lastBackup && (c.lastBackup.verified ? <Badge tone="ok" title={`verified ${formatDateTime(c.lastBackup.verifiedAt)}`}>verified</Badge> : <Badge tone="warn">not verified</Badge>)}
    </span>
  );
}

function LastRunCell({ c }: { c: ClusterSummary }) {
  if (!c.lastRun) return <span className="muted">none</span>;
  const a = c.lastRun.availability;
  return (
    <span className="inline-gap">
      <span>{c.lastRun.kind}</span>
      <RunStatusBadge status={c.lastRun.status} />
      {a && (
        <span className={a.failed ? 'small' : 'muted small'} title="Requests the availability prober made during the run, and how many failed">
          {a.requests} req, {a.failed} failed
        </span>
      )}
      {c.lastRun.finishedAt && <span className="muted small">{formatAge(c.lastRun.finishedAt)}</span>}
    </span>
  );
}

/** One row per cluster, in the order given (fleet-order.ts sorts and filters). */
export function ClusterTable({ clusters, onOpen, sort, onSort }: ClusterTableProps) {
  const header = (column: FleetColumn, label: string) => <SortHeader column={column} label={label} sort={sort} onSort={onSort} />;
  return (
    <table className="table table-clickable" data-testid="fleet-table">
      <thead>
        <tr>
          {header('name', 'Cluster')}
          {header('environment', 'Environment')}
          {header('version', 'Keycloak')}
          <th className="num">Nodes</th>
          <th>Health</th>
          {header('backup', 'Last backup')}
          {header('lastRun', 'Last run')}
          {header('standby', 'Standby')}
          {header('next', 'Next action')}
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
            <td>
              <span className="mono">{c.version}</span>
              {c.versions?.behind && <div className="muted small" data-testid={`behind-${c.name}`}>{c.versions.behind}</div>}
            </td>
            <td className="num mono">{c.nodeCount}</td>
            <td>
              <HealthBadge health={c.health} title={c.healthCheckedAt ? `checked ${formatAge(c.healthCheckedAt)}` : 'not checked yet'} />
            </td>
            <td>
              <BackupCell c={c} />
            </td>
            <td>
              <LastRunCell c={c} />
            </td>
            <td>
              {c.standby ? (
                <span title={`${c.standby.colour} runs ${c.standby.version}, standby since ${formatDateTime(c.standby.since)}`}>
                  {c.standby.colour} · {c.standby.ageDays === 0 ? 'today' : `${c.standby.ageDays} d`}
                </span>
              ) : (
                <span className="muted">none</span>
              )}
            </td>
            <td data-testid={`next-action-${c.name}`}>
              {c.nextActions && c.nextActions.length > 0 ? (
                c.nextActions.map((a) => (
                  <div key={a.kind}>
                    <Badge tone={severityTone[a.severity]} title={a.severity}>
                      {a.text}
                    </Badge>
                  </div>
                ))
              ) : (
                <span className="muted">nothing due</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
