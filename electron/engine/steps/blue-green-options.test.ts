import { describe, expect, it } from 'vitest';
import { colourRecordSchema, type ColourRecord } from '../../../shared/contract/colours.ts';
import { KeyturnError } from '../../../shared/errors.ts';
import { optionsForColour } from './blue-green-steps.ts';

const record = (colour: 'blue' | 'green', prefix: string): ColourRecord => colourRecordSchema.parse({
  id: colour === 'blue' ? '00000000-0000-4000-8000-000000000001' : '00000000-0000-4000-8000-000000000002',
  clusterName: 'acme-prod', colour, role: colour === 'blue' ? 'active' : 'building', version: '26.7.3', runId: null, clonePoint: null,
  createdAt: '2026-12-01T10:00:00.000Z', updatedAt: '2026-12-01T10:00:00.000Z',
  deployment: {
    colour, source: colour === 'blue' ? 'cluster-file' : 'terraform',
    nodes: [{ name: `${colour[0]}1`, address: `${prefix}.1`, sshPort: 22 }],
    database: { address: `${prefix}.50`, port: 5432, name: 'keycloak', user: 'keycloak' },
    loadBalancer: { address: `${prefix}.100`, port: 443, runtimeApi: '/run/haproxy.sock', backend: 'keycloak' },
    inventory: `/srv/${colour}/inventory.yml`,
  },
});

describe('the target options of the colour being built', () => {
  it("point every database address at the new colour's database: the plan lists the serving colour's, which a green node must never migrate", () => {
    const planned = { db: 'postgres', 'db-url-host': '10.0.1.50', 'db-url-port': '5432', 'db-url-database': 'keycloak', 'cache-stack': 'jdbc-ping' };
    // and, on 26.7.3, a cache cluster name of green's own
    expect(optionsForColour(planned, record('green', '10.0.2'), record('blue', '10.0.1'))).toEqual({ ...planned, 'db-url-host': '10.0.2.50', 'spi-cache-embedded--default--cluster-name': 'keycloak-green' });
    const url = { 'db-url': 'jdbc:postgresql://10.0.1.50:5432/keycloak?ssl=true' };
    expect(optionsForColour(url, record('green', '10.0.2'), record('blue', '10.0.1'))['db-url']).toBe('jdbc:postgresql://10.0.2.50:5432/keycloak?ssl=true');
  });

  it("refuses when an option still names the serving colour's database after the rewrite, before anything is installed", () => {
    const planned = { 'db-url-host': '10.0.1.50', 'db-url-properties': '?targetServerType=primary&fallback=//10.0.1.50:5432/' };
    let err: unknown;
    try {
      optionsForColour(planned, record('green', '10.0.2'), record('blue', '10.0.1'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KeyturnError);
    expect((err as KeyturnError).message).toBe("green's options still name blue's database (db-url-properties).");
    expect((err as KeyturnError).hint).toMatch(/Nothing was installed on green/);
  });
});
