/**
 * Migration 8: a cluster's colours in a real SQLite ledger. One live row per
 * colour, one active colour, a switch recorded in one transaction, a resumed
 * run getting its own building row back, and history kept after a destroy.
 */
import { describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { colourDeploymentSchema, type Colour, type ColourDeployment } from '../../shared/contract/colours.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { getCluster, insertCluster } from './clusters-repo.ts';
import { exportLedger, importLedger } from './export-import.ts';
import { activateColour, ensureActiveColour, listColours, liveColour, promoteColour, recordBuildingColour, setColourRole } from './colours-repo.ts';
import { openLedger } from './open-ledger.ts';
import { createRun } from './runs-repo.ts';

const deployment = (colour: Colour, prefix: string, source: ColourDeployment['source'] = 'terraform'): ColourDeployment => colourDeploymentSchema.parse({
  colour,
  source,
  nodes: [{ name: 'n1', address: `${prefix}.1`, sshPort: 2222 }],
  database: { address: `${prefix}.50`, port: 5432, name: 'keycloak', user: 'keycloak' },
  loadBalancer: { address: `${prefix}.100`, port: 80, runtimeApi: `/srv/${colour}/admin.sock`, backend: 'keycloak' },
  inventory: `/srv/${colour}/inventory.yml`,
});

function seeded() {
  const db = openLedger(':memory:');
  const clusterId = insertCluster(db, clusterSpecSchema.parse(sampleSpec()));
  const runId = createRun(db, { clusterId, kind: 'upgrade' });
  return { db, clusterId, runId };
}

describe('colours repo', () => {
  it('refreshes the active record from the cluster record on the next run: host keys pinned again since are the ones a switch back restores', () => {
    const { db, clusterId } = seeded();
    const keyed = (fp: string) => colourDeploymentSchema.parse({ ...deployment('blue', '127.0.10', 'cluster-file'), nodes: [{ name: 'n1', address: '127.0.10.1', sshPort: 2222, hostKey: { algorithm: 'ssh-ed25519', fingerprint: fp, publicKey: null, pinnedAt: '2026-12-01T10:00:00.000Z' } }] });
    const first = ensureActiveColour(db, clusterId, keyed('SHA256:old'), '26.5.6');
    const again = ensureActiveColour(db, clusterId, keyed('SHA256:new'), '26.5.7');
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject({ role: 'active', version: '26.5.7', deployment: { source: 'cluster-file', nodes: [{ hostKey: { fingerprint: 'SHA256:new' } }] } });
    expect(listColours(db, clusterId)).toHaveLength(1);
  });

  it('activates a colour and makes the cluster record describe it, with the host keys pinned when it was built, in one transaction', () => {
    const { db, clusterId, runId } = seeded();
    const before = getCluster(db, 'acme-prod');
    ensureActiveColour(db, clusterId, deployment('blue', '127.0.10', 'cluster-file'), before.spec.keycloak.version);
    const green = colourDeploymentSchema.parse({ ...deployment('green', '127.0.20'), nodes: [{ name: 'g1', address: '127.0.20.1', sshPort: 2222, hostKey: { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:green', publicKey: null, pinnedAt: '2026-12-01T10:00:00.000Z' } }] });
    recordBuildingColour(db, { clusterId, deployment: green, version: '26.7.3', runId });
    const spec = { ...before.spec, keycloak: { ...before.spec.keycloak, version: '26.7.3' }, nodes: [{ ...before.spec.nodes[0]!, name: 'g1', host: '127.0.20.1', address: '127.0.20.1', port: 2222 }] };
    activateColour(db, 'acme-prod', 'green', spec, runId);
    const after = getCluster(db, 'acme-prod');
    expect(after.spec.keycloak.version).toBe('26.7.3');
    expect(after.nodes.map((n) => [n.name, n.host, n.hostKey?.fingerprint])).toEqual([['g1', '127.0.20.1', 'SHA256:green']]);
    expect(Object.fromEntries(listColours(db, clusterId).map((c) => [c.colour, c.role]))).toEqual({ green: 'active', blue: 'standby' });
    // nothing half-way: a record that cannot be written leaves the colours as they were
    expect(() => activateColour(db, 'acme-prod', 'blue', { ...spec, name: 'x'.repeat(300) }, runId)).toThrow();
    expect(liveColour(db, clusterId, 'green')?.role).toBe('active');
    expect(getCluster(db, 'acme-prod').nodes[0]!.name).toBe('g1');
  });

  it('records blue as serving, builds green, and a switch makes green active and blue standby', () => {
    const { db, clusterId, runId } = seeded();
    expect(ensureActiveColour(db, clusterId, deployment('blue', '127.0.10', 'cluster-file'), '26.5.6')).toMatchObject({ colour: 'blue', role: 'active', clusterName: 'acme-prod' });
    // a second call finds it, it does not add one
    expect(ensureActiveColour(db, clusterId, deployment('blue', '127.0.10', 'cluster-file'), '26.5.6').role).toBe('active');
    const g = recordBuildingColour(db, { clusterId, deployment: deployment('green', '127.0.20'), version: '26.7.3', runId, clonePoint: '2026-12-01T10:00:00.000Z' });
    expect(g).toMatchObject({ colour: 'green', role: 'building', runId, clonePoint: '2026-12-01T10:00:00.000Z', deployment: { loadBalancer: { address: '127.0.20.100' } } });

    promoteColour(db, clusterId, 'green', runId);
    expect(Object.fromEntries(listColours(db, clusterId).map((c) => [c.colour, c.role]))).toEqual({ green: 'active', blue: 'standby' });
    // idempotent (a resumed standby.record)
    promoteColour(db, clusterId, 'green', runId);
    expect(liveColour(db, clusterId, 'green')?.role).toBe('active');
    // switch back
    promoteColour(db, clusterId, 'blue', runId);
    expect(Object.fromEntries(listColours(db, clusterId).map((c) => [c.colour, c.role]))).toEqual({ green: 'standby', blue: 'active' });
  });

  it('gives a resumed run its own building row back, updated, and refuses to build over a colour that still runs', () => {
    const { db, clusterId, runId } = seeded();
    const first = recordBuildingColour(db, { clusterId, deployment: deployment('green', '127.0.20'), version: '26.7.3', runId });
    const again = recordBuildingColour(db, { clusterId, deployment: deployment('green', '127.0.21'), version: '26.7.3', runId, clonePoint: '2026-12-01T10:00:00.000Z' });
    expect(again.id).toBe(first.id);
    expect(again.deployment.nodes[0]!.address).toBe('127.0.21.1');
    expect(again.clonePoint).toBe('2026-12-01T10:00:00.000Z');

    const other = createRun(db, { clusterId, kind: 'upgrade' });
    expect(() => recordBuildingColour(db, { clusterId, deployment: deployment('green', '127.0.20'), version: '26.7.3', runId: other }))
      .toThrowError(expect.objectContaining({ code: 'conflict', hint: expect.stringMatching(/Finish or roll back/) as string }) as Error);

    setColourRole(db, first.id, 'standby');
    expect(() => recordBuildingColour(db, { clusterId, deployment: deployment('green', '127.0.20'), version: '26.7.3', runId: other }))
      .toThrowError(expect.objectContaining({ hint: expect.stringMatching(/keyturn standby decommission --cluster acme-prod --yes/) as string }) as Error);
  });

  it('keeps a destroyed colour as history and lets the next run build that colour again', () => {
    const { db, clusterId, runId } = seeded();
    const g = recordBuildingColour(db, { clusterId, deployment: deployment('green', '127.0.20'), version: '26.7.3', runId });
    setColourRole(db, g.id, 'destroyed', runId);
    expect(listColours(db, clusterId)).toEqual([]);
    expect(listColours(db, clusterId, { includeDestroyed: true }).map((c) => c.role)).toEqual(['destroyed']);
    const other = createRun(db, { clusterId, kind: 'upgrade' });
    expect(recordBuildingColour(db, { clusterId, deployment: deployment('green', '127.0.20'), version: '26.7.3', runId: other }).id).not.toBe(g.id);
  });

  it('refuses to promote a colour that was never built, and the schema refuses two active colours', () => {
    const { db, clusterId } = seeded();
    expect(() => promoteColour(db, clusterId, 'green', null)).toThrowError(expect.objectContaining({ code: 'not-found' }) as Error);
    ensureActiveColour(db, clusterId, deployment('blue', '127.0.10', 'cluster-file'), '26.5.6');
    expect(() => db.prepare("INSERT INTO cluster_colours (id, cluster_id, colour, role, deployment, version, created_at, updated_at) VALUES ('x', ?, 'green', 'active', '{}', '26.7.3', 'now', 'now')").run(clusterId)).toThrow(/UNIQUE/);
  });

  it('travels with a ledger export, so a moved ledger still knows which standby to decommission', () => {
    const { db, clusterId, runId } = seeded();
    ensureActiveColour(db, clusterId, deployment('blue', '127.0.10', 'cluster-file'), '26.5.6');
    recordBuildingColour(db, { clusterId, deployment: deployment('green', '127.0.20'), version: '26.7.3', runId });
    promoteColour(db, clusterId, 'green', runId);
    const other = openLedger(':memory:');
    importLedger(other, JSON.parse(JSON.stringify(exportLedger(db))) as ReturnType<typeof exportLedger>);
    const id = (other.prepare('SELECT id FROM clusters').get() as { id: string }).id;
    expect(listColours(other, id).map((c) => [c.colour, c.role, c.deployment.loadBalancer.address])).toEqual(listColours(db, clusterId).map((c) => [c.colour, c.role, c.deployment.loadBalancer.address]));
  });
});
