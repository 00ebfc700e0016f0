/**
 * The colours part of `keyturn lab status --json`, on a real ledger: blue on
 * the cluster's own nodes before any blue/green run, then the active colour
 * and the standby (with its role, version, age and nodes) as the runs record
 * them; nothing without a lab cluster. And the whole status of a lab that
 * was never built still carries them (real terraform finds no state).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema, labStatusSchema } from '../../shared/contract/index.ts';
import { colourDeploymentSchema, type Colour } from '../../shared/contract/colours.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { insertCluster } from '../ledger/clusters-repo.ts';
import { ensureActiveColour, listColours, promoteColour, recordBuildingColour, setColourRole } from '../ledger/colours-repo.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { createRun } from '../ledger/runs-repo.ts';
import { labPaths } from './lab-paths.ts';
import { labColours, labStatus } from './lab-status.ts';

const deployment = (colour: Colour, octet: number) => colourDeploymentSchema.parse({
  colour,
  source: colour === 'blue' ? 'cluster-file' : 'terraform',
  nodes: [1, 2].map((i) => ({ name: `${colour[0]}${i}`, address: `127.0.${octet}.${i}`, sshPort: 2200 + i })),
  database: { address: `127.0.${octet}.50`, port: 5432, name: 'keycloak', user: 'keycloak' },
  loadBalancer: { address: `127.0.${octet}.100`, port: 8080, runtimeApi: `127.0.${octet}.100:9999`, backend: 'keycloak' },
  inventory: `/srv/${colour}/inventory.yml`,
});

const labSpec = () => clusterSpecSchema.parse(sampleSpec({
  name: 'lab',
  environment: 'lab',
  keycloak: { version: '26.5.6' },
  nodes: [1, 2].map((i) => ({ name: `kc${i}`, host: `127.0.10.${i}`, port: 2200 + i, user: 'keycloak' })),
}));

const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

describe('lab status colours', () => {
  it('is null without a lab cluster, and blue on the cluster\'s own nodes before any blue/green run', () => {
    const db = openLedger(':memory:');
    expect(labColours(db)).toBeNull();
    insertCluster(db, labSpec());
    expect(labColours(db)).toEqual({
      active: { colour: 'blue', version: '26.5.6', nodes: [{ name: 'kc1', address: '127.0.10.1' }, { name: 'kc2', address: '127.0.10.2' }] },
      standby: null,
    });
  });

  it('reports the active colour and the standby with its role, version, age and nodes', () => {
    const db = openLedger(':memory:');
    const clusterId = insertCluster(db, labSpec());
    const runId = createRun(db, { clusterId, kind: 'upgrade' });
    ensureActiveColour(db, clusterId, deployment('blue', 10), '26.5.6');
    recordBuildingColour(db, { clusterId, deployment: deployment('green', 20), version: '26.7.3', runId });
    // while green is being built it is the other colour, shown with its role
    expect(labColours(db)?.standby).toMatchObject({ colour: 'green', role: 'building', version: '26.7.3' });

    promoteColour(db, clusterId, 'green', runId);
    const blue = listColours(db, clusterId).find((c) => c.colour === 'blue')!;
    const now = Date.parse(blue.updatedAt) + 90_500;
    expect(labColours(db, now)).toEqual({
      active: { colour: 'green', version: '26.7.3', nodes: [{ name: 'g1', address: '127.0.20.1' }, { name: 'g2', address: '127.0.20.2' }] },
      standby: { colour: 'blue', role: 'standby', version: '26.5.6', ageSeconds: 90, nodes: [{ name: 'b1', address: '127.0.10.1' }, { name: 'b2', address: '127.0.10.2' }] },
    });

    setColourRole(db, blue.id, 'destroyed');
    expect(labColours(db)).toMatchObject({ active: { colour: 'green' }, standby: null });
  });

  it('carries the colours in the contract shape even when the lab is not built', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keyturn-lab-status-'));
    homes.push(home);
    const db = openLedger(':memory:');
    insertCluster(db, labSpec());
    const status = labStatusSchema.parse(await labStatus(db, labPaths(home)));
    expect(status.state).toBe('absent');
    expect(status.colours).toMatchObject({ active: { colour: 'blue', nodes: [{ name: 'kc1' }, { name: 'kc2' }] }, standby: null });
  });
});
