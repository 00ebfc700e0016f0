import { describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../contract/clusters.ts';
import { colourDeploymentSchema, type ColourDeploymentInput } from '../contract/colours.ts';
import { KeyturnError } from '../errors.ts';
import { CACHE_CLUSTER_NAME_OPTION, colourCacheClusterName, colourCacheOptions, colourDatabaseOptions, colourSpec, standbyClashes, takesCacheClusterName } from './colour-spec.ts';

const green = (extra: Partial<ColourDeploymentInput> = {}) => colourDeploymentSchema.parse({
  colour: 'green',
  source: 'terraform',
  nodes: [
    { name: 'n1', address: '10.2.0.11', sshPort: 22, keycloakHome: '/srv/green/n1/opt/keycloak' },
    { name: 'n2', address: '10.2.0.12', sshPort: 22 },
  ],
  database: { address: '10.2.0.50', port: 5433, name: 'keycloak', user: 'keycloak' },
  loadBalancer: { address: '10.2.0.100', port: 443, runtimeApi: '/run/haproxy-green/admin.sock', backend: 'keycloak' },
  inventory: '/var/lib/keyturn/colours/acme-prod/green/inventory.yml',
  ...extra,
});

const blue = clusterSpecSchema.parse({
  name: 'acme-prod',
  traffic: { kind: 'dns', name: 'sso.acme.example', server: 'ns1.acme.example' },
  keycloak: { version: '26.5.6', options: { db: 'postgres', 'db-url-host': '10.1.0.50', 'db-url-port': '5432', 'db-url-database': 'keycloak', hostname: 'https://sso.acme.example' }, secretOptions: { 'db-password': { env: 'ACME_DB_PASSWORD' } } },
  nodes: [
    { name: 'n1', host: '10.1.0.11', user: 'keycloak', keyPath: '/home/sre/.ssh/acme', httpPort: 8443, keycloakHome: '/opt/kc' },
    { name: 'n2', host: '10.1.0.12', user: 'keycloak', keyPath: '/home/sre/.ssh/acme', httpPort: 8443, keycloakHome: '/opt/kc' },
  ],
  database: { host: '10.1.0.50', port: 5432, name: 'keycloak', user: 'keycloak', passwordRef: { env: 'ACME_DB_PASSWORD' } },
  loadBalancer: { kind: 'haproxy', runtimeApi: '/run/haproxy/admin.sock', backend: 'keycloak' },
  ansible: { inventory: '/srv/acme/inventory.yml', playbook: '/srv/acme/site.yml', phased: true },
});

describe('colourSpec', () => {
  it("puts the colour's nodes, database, load balancer and inventory in, and keeps everything else as the serving colour has it", () => {
    const s = colourSpec(blue, green());
    expect(s.nodes.map((n) => [n.name, n.host, n.address, n.port, n.user, n.keyPath, n.httpPort, n.keycloakHome])).toEqual([
      ['n1', '10.2.0.11', '10.2.0.11', 22, 'keycloak', '/home/sre/.ssh/acme', 8443, '/srv/green/n1/opt/keycloak'],
      ['n2', '10.2.0.12', '10.2.0.12', 22, 'keycloak', '/home/sre/.ssh/acme', 8443, '/opt/kc'],
    ]);
    expect(s.database).toEqual({ host: '10.2.0.50', port: 5433, name: 'keycloak', user: 'keycloak', passwordRef: { env: 'ACME_DB_PASSWORD' } });
    expect(s.loadBalancer).toEqual({ kind: 'haproxy', runtimeApi: '/run/haproxy-green/admin.sock', backend: 'keycloak' });
    expect(s.ansible).toMatchObject({ inventory: '/var/lib/keyturn/colours/acme-prod/green/inventory.yml', playbook: '/srv/acme/site.yml', phased: true });
    expect(s.traffic).toEqual(blue.traffic);
    expect(s.keycloak.secretOptions).toEqual(blue.keycloak.secretOptions);
    expect(s.keycloak.options).toEqual({ db: 'postgres', 'db-url-host': '10.2.0.50', 'db-url-port': '5433', 'db-url-database': 'keycloak', hostname: 'https://sso.acme.example' });
    // still a valid spec
    expect(() => clusterSpecSchema.parse(s)).not.toThrow();
  });

  it("uses the colour's own SSH key when it has one", () => {
    expect(colourSpec(blue, green({ keyPath: '/srv/green/ssh/id_ed25519' })).nodes.every((n) => n.keyPath === '/srv/green/ssh/id_ed25519')).toBe(true);
  });
});

describe('colourDatabaseOptions', () => {
  const db = green().database;
  it('rewrites host, port and database inside a db-url, keeping its JDBC properties', () => {
    expect(colourDatabaseOptions({ 'db-url': 'jdbc:postgresql://10.1.0.50/keycloak?ssl=true&sslmode=verify-full', 'db-username': 'kc' }, db))
      .toEqual({ 'db-url': 'jdbc:postgresql://10.2.0.50:5433/keycloak?ssl=true&sslmode=verify-full', 'db-username': 'keycloak' });
  });

  it('refuses a db-url it cannot rewrite, without echoing credentials, and says what to use instead', () => {
    let err: unknown;
    try {
      colourDatabaseOptions({ 'db-url': 'jdbc:postgresql://admin:pw@db1,db2/keycloak' }, db);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KeyturnError);
    expect((err as KeyturnError).message).not.toContain('pw@');
    expect((err as KeyturnError).hint).toMatch(/db-url-host/);
  });

  it('leaves options without a database address alone', () => {
    expect(colourDatabaseOptions({ db: 'postgres', 'log-level': 'info' }, db)).toEqual({ db: 'postgres', 'log-level': 'info' });
  });
});

describe('colourCacheOptions', () => {
  it('gives a colour on Keycloak 26.7 or later a cache cluster name of its own, and none before', () => {
    expect(takesCacheClusterName('26.7.0')).toBe(true);
    expect(takesCacheClusterName('26.7.3')).toBe(true);
    expect(takesCacheClusterName('27.0.1')).toBe(true);
    expect(takesCacheClusterName('26.5.6')).toBe(false);
    expect(colourCacheOptions({ cache: 'ispn' }, 'green', '26.7.3')).toEqual({ cache: 'ispn', [CACHE_CLUSTER_NAME_OPTION]: 'keycloak-green' });
    expect(colourCacheOptions({ cache: 'ispn' }, 'green', '26.5.6')).toEqual({ cache: 'ispn' });
  });

  it("renames the other colour's name and keeps a customer's own base; drops it on a version that takes none", () => {
    expect(colourCacheClusterName({ [CACHE_CLUSTER_NAME_OPTION]: 'keycloak-green' }, 'blue', '26.7.3')).toBe('keycloak-blue');
    expect(colourCacheClusterName({ [CACHE_CLUSTER_NAME_OPTION]: 'acme-sso' }, 'green', '26.7.3')).toBe('acme-sso-green');
    expect(colourCacheClusterName({ [CACHE_CLUSTER_NAME_OPTION]: 'acme-sso-blue' }, 'green', '26.7.3')).toBe('acme-sso-green');
    expect(colourCacheOptions({ cache: 'ispn', [CACHE_CLUSTER_NAME_OPTION]: 'keycloak-green' }, 'blue', '26.5.6')).toEqual({ cache: 'ispn' });
  });
});

describe('standbyClashes', () => {
  const standby = (over: Record<string, unknown> = {}) => clusterSpecSchema.parse({ ...blue, blueGreen: { standby: {
    nodes: [{ name: 'g1', address: '10.2.0.11' }, { name: 'g2', address: '10.2.0.12' }],
    database: { address: '10.2.0.50', name: 'keycloak', user: 'keycloak' },
    loadBalancer: { address: '10.2.0.100', port: 443, runtimeApi: '/run/haproxy-green/admin.sock', backend: 'keycloak' },
    inventory: '/srv/acme/green-inventory.yml',
    ...over,
  } } }).blueGreen!.standby!;
  const serving = green({ colour: 'blue', source: 'cluster-file', nodes: [{ name: 'n1', address: '10.1.0.11', sshPort: 22 }, { name: 'n2', address: '10.1.0.12', sshPort: 22 }],
    database: { address: '10.1.0.50', port: 5432, name: 'keycloak', user: 'keycloak' }, loadBalancer: { address: '10.1.0.100', port: 443, runtimeApi: '/run/haproxy/admin.sock', backend: 'keycloak' } });
  it('finds nothing when the standby is separate', () => {
    expect(standbyClashes(standby(), serving)).toEqual([]);
  });
  it('names each part that is the serving colour\'s own: after a switch the file may still describe what now serves', () => {
    const same = standby({ nodes: [{ name: 'g1', address: '10.1.0.11' }, { name: 'g2', address: '10.2.0.12' }], database: { address: '10.1.0.50', port: 5432, name: 'keycloak', user: 'keycloak' }, loadBalancer: { address: '10.1.0.100', port: 443, runtimeApi: '/x', backend: 'keycloak' } });
    expect(standbyClashes(same, serving)).toEqual(['node g1 (10.1.0.11:22)', 'database 10.1.0.50:5432/keycloak', 'load balancer 10.1.0.100:443']);
    // the same host on another SSH port (another sshd on it) is a different node; the same database server with another database is a different database
    expect(standbyClashes(standby({ nodes: [{ name: 'g1', address: '10.1.0.11', sshPort: 2222 }], database: { address: '10.1.0.50', port: 5432, name: 'keycloak_green', user: 'keycloak' } }), serving)).toEqual([]);
  });
});
