/**
 * Sorting and filtering the fleet table. Pure, so the order an on-call
 * operator sees ("most urgent first", "oldest backup first") is tested on
 * fixed rows rather than through a browser.
 */
import type { ClusterSummary } from '../../../../shared/contract/index.ts';
import { compareVersions, parseVersion } from '../../../../shared/domain/versions.ts';

export type FleetColumn = 'name' | 'environment' | 'version' | 'backup' | 'lastRun' | 'standby' | 'next';
export interface FleetSort {
  column: FleetColumn;
  direction: 'asc' | 'desc';
}

/** The order the fleet opens in: what needs doing most urgently on top. */
export const defaultFleetSort: FleetSort = { column: 'next', direction: 'asc' };

const severityRank = { critical: 0, warning: 1, info: 2 } as const;

/** Lower is more urgent; a cluster with nothing to do sorts last. */
function urgency(c: ClusterSummary): number {
  const first = c.nextActions?.[0];
  return first ? severityRank[first.severity] * 100 - Math.min(99, c.nextActions!.length) : 1000;
}

function byVersion(a: string, b: string): number {
  if (parseVersion(a) && parseVersion(b)) return compareVersions(a, b);
  return a.localeCompare(b);
}

/** Ascending comparison per column; missing values (no backup, no run, no standby) sort as oldest/least. */
const comparators: Record<FleetColumn, (a: ClusterSummary, b: ClusterSummary) => number> = {
  name: (a, b) => a.name.localeCompare(b.name),
  environment: (a, b) => a.environment.localeCompare(b.environment),
  version: (a, b) => byVersion(a.version, b.version),
  backup: (a, b) => (a.lastBackup?.at ?? a.lastBackupAt ?? '').localeCompare(b.lastBackup?.at ?? b.lastBackupAt ?? ''),
  lastRun: (a, b) => (a.lastRun?.finishedAt ?? '').localeCompare(b.lastRun?.finishedAt ?? ''),
  standby: (a, b) => (a.standby?.ageDays ?? -1) - (b.standby?.ageDays ?? -1),
  next: (a, b) => urgency(a) - urgency(b),
};

/** The clusters of one environment (all when `environment` is null), sorted; ties break by name so the order is stable. */
export function orderFleet(clusters: readonly ClusterSummary[], sort: FleetSort, environment: string | null): ClusterSummary[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  return clusters
    .filter((c) => environment === null || c.environment === environment)
    .sort((a, b) => sign * comparators[sort.column](a, b) || a.name.localeCompare(b.name));
}

/** Clicking a header: the same column flips direction, another column starts ascending. */
export function toggleSort(current: FleetSort, column: FleetColumn): FleetSort {
  return current.column === column ? { column, direction: current.direction === 'asc' ? 'desc' : 'asc' } : { column, direction: 'asc' };
}

/** The environments present, for the filter, in a fixed order. */
export function environmentsOf(clusters: readonly ClusterSummary[]): string[] {
  return [...new Set(clusters.map((c) => c.environment))].sort();
}
