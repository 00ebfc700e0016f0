/**
 * The comparison behind the cluster-view check, finding by finding, on rows
 * shaped as KEYCLOAK_JDBC_PING2 writes them. Reading the real table and the
 * real metric is proven on the lab (test/integration/smoke.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { compareView, rowHost, type SizeFinding } from './green-view.ts';
import type { JgroupsMember } from './jgroups-ping.ts';

const row = (address: string, name: string, ip: string, clusterName = 'ISPN'): JgroupsMember => ({ address, name, clusterName, ip, coordinator: false, lastUpdate: null, coordinatedBy: null });
const green = [
  { name: 'g1', addresses: ['127.0.20.1'] },
  { name: 'g2', addresses: ['127.0.20.2'] },
];
const size = (node: string, n: number | null, error: string | null = null): SizeFinding => ({ node, size: n, error });
const greenRows = [row('a-1', 'g1', '127.0.20.1:7800'), row('a-2', 'g2', '127.0.20.2:7800')];

describe('rowHost', () => {
  it('takes the address out of ip:port, [v6]:port and a bare address', () => {
    expect(rowHost('127.0.20.1:7800')).toBe('127.0.20.1');
    expect(rowHost('[::1]:7800')).toBe('::1');
    expect(rowHost('fe80::1')).toBe('fe80::1');
    expect(rowHost('127.0.20.1')).toBe('127.0.20.1');
  });
});

describe('compareView', () => {
  it('passes when the rows name exactly the nodes and every node sees N', () => {
    const v = compareView({ nodes: green, table: { present: true, members: greenRows }, sizes: [size('g1', 2), size('g2', 2)] });
    expect(v).toMatchObject({ ok: true, expectedSize: 2, unexpectedRows: [], missingNodes: [], duplicateRows: [], wrongSize: [], problems: [] });
  });

  it("reports blue's rows left in green's table as unexpected", () => {
    const blue = row('b-1', 'n1', '127.0.10.1:7800');
    const v = compareView({ nodes: green, table: { present: true, members: [...greenRows, blue] }, sizes: [size('g1', 2), size('g2', 2)] });
    expect(v.ok).toBe(false);
    expect(v.unexpectedRows).toEqual([blue]);
    expect(v.problems).toEqual(['JGROUPS_PING row b-1 (n1, 127.0.10.1:7800, cluster ISPN) is not a member of this colour']);
  });

  it('reports a node without a row as missing, and a node that sees another size', () => {
    const v = compareView({ nodes: green, table: { present: true, members: greenRows.slice(0, 1) }, sizes: [size('g1', 1), size('g2', 4)] });
    expect(v.missingNodes).toEqual(['g2']);
    expect(v.wrongSize).toEqual([size('g1', 1), size('g2', 4)]);
    expect(v.problems).toEqual(['node g2 has no JGROUPS_PING row', 'node g1 sees cluster size 1, expected 2', 'node g2 sees cluster size 4, expected 2']);
  });

  it('says why a size could not be read, and that a missing metric is not N', () => {
    const v = compareView({ nodes: green, table: { present: true, members: greenRows }, sizes: [size('g1', null, 'Cannot read http://127.0.20.1:9000/metrics: connection refused'), size('g2', null)] });
    expect(v.problems).toEqual([
      'node g1 sees no cluster size (Cannot read http://127.0.20.1:9000/metrics: connection refused), expected 2',
      'node g2 sees cluster size unknown (metric missing), expected 2',
    ]);
  });

  it('treats rows of another JGroups cluster name as unexpected when the colour has its own name', () => {
    const other = row('a-3', 'g1', '127.0.20.1:7800', 'ISPN');
    const named = greenRows.map((r) => ({ ...r, clusterName: 'keyturn-green' }));
    const v = compareView({ nodes: green, table: { present: true, members: [...named, other] }, sizes: [size('g1', 2), size('g2', 2)], clusterName: 'keyturn-green' });
    expect(v.unexpectedRows).toEqual([other]);
    expect(v.duplicateRows).toEqual([]);
  });

  it("keeps a second row of one node's address apart as a duplicate (an earlier incarnation), not a failure", () => {
    const stale = row('a-0', 'g1', '127.0.20.1:7800');
    const v = compareView({ nodes: green, table: { present: true, members: [...greenRows, stale] }, sizes: [size('g1', 2), size('g2', 2)] });
    expect(v).toMatchObject({ ok: true, duplicateRows: [stale], unexpectedRows: [] });
  });

  it('without a JGROUPS_PING table checks only the sizes', () => {
    const v = compareView({ nodes: green, table: { present: false, members: [] }, sizes: [size('g1', 2), size('g2', 2)] });
    expect(v).toMatchObject({ ok: true, tablePresent: false, missingNodes: [] });
  });
});
