/**
 * A colour as the engine's steps see a cluster: a ClusterDetail whose spec is
 * derived from the serving colour's (shared/domain/colour-spec.ts) and whose
 * node views carry the host keys pinned when the colour was built. With it,
 * the existing step implementations (install, ready, joined, warm-up, stop)
 * run on green exactly as they run on blue, with the same host-key checks.
 *
 * And the other way: the serving cluster as a colour deployment, recorded
 * before the first switch so the switch can make it the standby.
 */
import type { ClusterDetail } from '../../shared/contract/index.ts';
import type { Colour, ColourDeployment, ColourRecord } from '../../shared/contract/colours.ts';
import { colourSpec } from '../../shared/domain/colour-spec.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { loadBalancerOf, nodeAddress } from './engine-context.ts';

/** The colour in `record` as a cluster the step implementations can run on. */
export function colourCluster(serving: ClusterDetail, record: Pick<ColourRecord, 'colour' | 'deployment'>): ClusterDetail {
  const spec = colourSpec(serving.spec, record.deployment);
  return {
    ...serving,
    spec,
    nodes: record.deployment.nodes.map((n, i) => ({
      name: n.name,
      host: n.sshHost ?? n.address,
      port: n.sshPort,
      user: spec.nodes[i]!.user,
      keyPath: spec.nodes[i]!.keyPath ?? null,
      hostKey: n.hostKey,
    })),
  };
}

/**
 * The cluster file's own deployment as a colour: its nodes with their pinned
 * host keys, its database, its load balancer (`lbAddress`: where the public
 * name pointed before the switch, read from DNS or the front HAProxy).
 */
export function servingDeployment(cluster: ClusterDetail, colour: Colour, lb: { address: string; port: number }): ColourDeployment {
  const { runtimeApi, backend } = loadBalancerOf(cluster);
  const inventory = cluster.spec.ansible?.inventory;
  if (!inventory) throw new KeyturnError('invalid-input', `Cluster '${cluster.name}' has no ansible.inventory.`, 'Blue/green installs the target with the cluster\'s playbook: add ansible.inventory and ansible.playbook to the cluster file.');
  return {
    colour,
    source: 'cluster-file',
    nodes: cluster.spec.nodes.map((n) => ({
      name: n.name,
      address: nodeAddress(n),
      ...(n.host !== nodeAddress(n) ? { sshHost: n.host } : {}),
      sshPort: n.port,
      keycloakHome: n.keycloakHome,
      hostKey: cluster.nodes.find((v) => v.name === n.name)?.hostKey ?? null,
    })),
    database: { address: cluster.spec.database.host, port: cluster.spec.database.port, name: cluster.spec.database.name, user: cluster.spec.database.user },
    loadBalancer: { address: lb.address, port: lb.port, runtimeApi, backend, ...(cluster.spec.loadBalancer?.freeze ? { freezeAclFile: cluster.spec.loadBalancer.freeze.aclFile } : {}) },
    inventory,
    ...(cluster.spec.nodes[0]?.keyPath ? { keyPath: cluster.spec.nodes[0].keyPath } : {}),
  };
}
