/**
 * A colour as a cluster the steps run on, from a real ledger's cluster
 * record: the serving cluster recorded as a colour and read back is the same
 * cluster (nodes, SSH names, host keys, database, load balancer), and green
 * gets its own nodes and keys, so a step on green can never reach blue.
 */
import { describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { colourDeploymentSchema } from '../../shared/contract/colours.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { getCluster, insertCluster, pinHostKey } from '../ledger/clusters-repo.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { colourCluster, servingDeployment } from './colour-cluster.ts';

function blue() {
  const db = openLedger(':memory:');
  insertCluster(db, clusterSpecSchema.parse(sampleSpec({
    nodes: [
      { name: 'n1', host: 'kc1-ssh.acme.example', address: '10.1.0.11', user: 'keycloak', keycloakHome: '/opt/kc' },
      { name: 'n2', host: '10.1.0.12', user: 'keycloak', keycloakHome: '/opt/kc' },
    ],
    loadBalancer: { kind: 'haproxy', runtimeApi: '/run/haproxy/admin.sock', backend: 'keycloak' },
    ansible: { inventory: '/srv/acme/inventory.yml', playbook: '/srv/acme/site.yml' },
  })));
  pinHostKey(db, 'acme-prod', 'n1', { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:one', publicKey: 'AAAAone' });
  pinHostKey(db, 'acme-prod', 'n2', { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:two', publicKey: 'AAAAtwo' });
  return getCluster(db, 'acme-prod');
}

describe('colourCluster / servingDeployment', () => {
  it('records the serving cluster as a colour and reads it back as the same cluster', () => {
    const b = blue();
    const d = servingDeployment(b, 'blue', { address: '10.1.0.100', port: 443 });
    expect(colourDeploymentSchema.parse(d)).toEqual(d);
    expect(d.nodes.map((n) => [n.name, n.address, n.sshHost, n.hostKey?.fingerprint])).toEqual([['n1', '10.1.0.11', 'kc1-ssh.acme.example', 'SHA256:one'], ['n2', '10.1.0.12', undefined, 'SHA256:two']]);
    const back = colourCluster(b, { colour: 'blue', deployment: d });
    expect(back.spec.nodes.map((n) => [n.name, n.host, n.address, n.keycloakHome])).toEqual(b.spec.nodes.map((n) => [n.name, n.host, n.address ?? n.host, n.keycloakHome]));
    expect(back.nodes.map((n) => [n.name, n.host, n.hostKey?.publicKey])).toEqual(b.nodes.map((n) => [n.name, n.host, n.hostKey?.publicKey]));
    expect(back.spec.database).toEqual(b.spec.database);
    expect(back.spec.loadBalancer).toEqual(b.spec.loadBalancer);
  });

  it("gives green its own nodes, host keys and load balancer, nothing of blue's", () => {
    const b = blue();
    const g = colourCluster(b, {
      colour: 'green',
      deployment: colourDeploymentSchema.parse({
        colour: 'green',
        source: 'terraform',
        nodes: [{ name: 'n1', address: '10.2.0.11', sshPort: 22, hostKey: { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:green', publicKey: 'AAAAgreen', pinnedAt: '2026-12-01T10:00:00.000Z' } }],
        database: { address: '10.2.0.50', port: 5432, name: 'keycloak', user: 'keycloak' },
        loadBalancer: { address: '10.2.0.100', port: 443, runtimeApi: '/run/haproxy-green/admin.sock', backend: 'keycloak' },
        inventory: '/var/lib/keyturn/green/inventory.yml',
      }),
    });
    expect(g.nodes).toEqual([{ name: 'n1', host: '10.2.0.11', port: 22, user: 'keycloak', keyPath: null, hostKey: { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:green', publicKey: 'AAAAgreen', pinnedAt: '2026-12-01T10:00:00.000Z' } }]);
    expect(g.spec.nodes.map((n) => n.host)).toEqual(['10.2.0.11']);
    expect(g.spec.database.host).toBe('10.2.0.50');
    expect(g.spec.loadBalancer?.runtimeApi).toBe('/run/haproxy-green/admin.sock');
    expect(g.spec.ansible?.inventory).toBe('/var/lib/keyturn/green/inventory.yml');
    expect(g.id).toBe(b.id);
  });

  it('says what the cluster file lacks when it has no inventory to record', () => {
    const b = blue();
    const { ansible: _drop, ...spec } = b.spec;
    expect(() => servingDeployment({ ...b, spec }, 'blue', { address: '10.1.0.100', port: 443 })).toThrowError(/has no ansible\.inventory/);
  });
});
