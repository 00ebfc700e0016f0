import { describe, expect, it } from 'vitest';
import type { ClusterSummary } from '../../../../shared/contract/index.ts';
import { defaultFleetSort, environmentsOf, orderFleet, toggleSort } from './fleet-order.ts';

const row = (name: string, environment: string, version: string, extra: Partial<ClusterSummary> = {}): ClusterSummary => ({
  id: `01J${name.toUpperCase().padEnd(23, '0').slice(0, 23)}`,
  name,
  environment,
  version,
  nodeCount: 2,
  health: 'unknown',
  healthCheckedAt: null,
  lastBackupAt: null,
  lastRun: null,
  ...extra,
});

const fleet: ClusterSummary[] = [
  row('alpha', 'production', '26.7.3', { nextActions: [], lastBackupAt: '2026-11-30T00:00:00.000Z', lastBackup: { id: '01JAAAAAAAAAAAAAAAAAAAAAAA', at: '2026-11-30T00:00:00.000Z', ageDays: 1, verified: true, verifiedAt: '2026-11-30T01:00:00.000Z' } }),
  row('bravo', 'staging', '26.5.6', { nextActions: [{ kind: 'no-backup', severity: 'warning', text: 'no backup yet' }] }),
  row('charlie', 'production', '26.10.0', { nextActions: [{ kind: 'resume-run', severity: 'critical', text: 'run 01234567 interrupted: resume or roll back' }], standby: { colour: 'blue', version: '26.7.0', since: '2026-11-28T00:00:00.000Z', ageDays: 3 } }),
  row('delta', 'test', '26.7.0', { nextActions: [{ kind: 'standby', severity: 'info', text: 'standby green running for 1 day: decommission?' }] }),
];

describe('fleet order', () => {
  it('opens with the most urgent next action on top and idle clusters last', () => {
    expect(orderFleet(fleet, defaultFleetSort, null).map((c) => c.name)).toEqual(['charlie', 'bravo', 'delta', 'alpha']);
  });

  it('sorts versions numerically and flips direction on a second click', () => {
    const asc = toggleSort(defaultFleetSort, 'version');
    expect(asc).toEqual({ column: 'version', direction: 'asc' });
    expect(orderFleet(fleet, asc, null).map((c) => c.version)).toEqual(['26.5.6', '26.7.0', '26.7.3', '26.10.0']);
    const desc = toggleSort(asc, 'version');
    expect(orderFleet(fleet, desc, null).map((c) => c.version)).toEqual(['26.10.0', '26.7.3', '26.7.0', '26.5.6']);
  });

  it('sorts by backup age (none first) and by standby age', () => {
    expect(orderFleet(fleet, { column: 'backup', direction: 'asc' }, null).map((c) => c.name)).toEqual(['bravo', 'charlie', 'delta', 'alpha']);
    expect(orderFleet(fleet, { column: 'standby', direction: 'desc' }, null)[0]!.name).toBe('charlie');
  });

  it('filters by environment and lists the environments present', () => {
    expect(orderFleet(fleet, { column: 'name', direction: 'asc' }, 'production').map((c) => c.name)).toEqual(['alpha', 'charlie']);
    expect(environmentsOf(fleet)).toEqual(['production', 'staging', 'test']);
  });
});
