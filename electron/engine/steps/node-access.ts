/**
 * Reaching a node over SSH with its pinned host key: for preflight checks,
 * reading what is installed, and reconciling after a crash; and the pinned
 * keys every playbook run is held to.
 */
import type { ClusterDetail, NodeSpec } from '../../../shared/contract/index.ts';
import { KeyturnError } from '../../../shared/errors.ts';
import type { PinnedHost } from '../../tools/known-hosts.ts';
import { connectSsh } from '../../tools/ssh.ts';

function unconfirmed(cluster: ClusterDetail, node: NodeSpec): KeyturnError {
  return new KeyturnError('host-key-unconfirmed', `Node ${node.name} (${node.host}:${node.port}) has no pinned SSH host key.`,
    `Compare and pin its host key first: keyturn cluster trust ${cluster.name} (or Test connection in the console).`);
}

/** Opens a session to `node`; refuses a node whose host key was never confirmed. */
export async function openNode(cluster: ClusterDetail, node: NodeSpec, signal?: AbortSignal) {
  const view = cluster.nodes.find((n) => n.name === node.name);
  if (!view?.hostKey) throw unconfirmed(cluster, node);
  return connectSsh({ host: node.host, port: node.port, user: node.user, node: node.name, ...(node.keyPath ? { keyPath: node.keyPath } : {}), pinnedFingerprint: view.hostKey.fingerprint, pinnedAlgorithm: view.hostKey.algorithm, timeoutMs: 10_000, ...(signal ? { signal } : {}) });
}

/**
 * The pinned keys of every node, for the per-run known_hosts of a playbook
 * run. A pin made before Keyturn kept whole keys holds only a fingerprint,
 * from which no known_hosts line can be written: such a node is refused with
 * the command that completes its pin (same key, no new trust decision).
 */
export function pinnedHostKeys(cluster: ClusterDetail): PinnedHost[] {
  return cluster.spec.nodes.map((node) => {
    const key = cluster.nodes.find((n) => n.name === node.name)?.hostKey;
    if (!key) throw unconfirmed(cluster, node);
    if (!key.publicKey) {
      throw new KeyturnError('host-key-unconfirmed', `Node ${node.name} (${node.host}:${node.port}) was pinned by fingerprint only (${key.fingerprint}); Ansible needs the whole key, so no playbook runs on it yet.`,
        `Run: keyturn cluster trust ${cluster.name} (it reads the key again and completes the pin when the fingerprint is the same), or Test connection in the console.`);
    }
    return { node: node.name, host: node.host, port: node.port, algorithm: key.algorithm, fingerprint: key.fingerprint, publicKey: key.publicKey };
  });
}

/** The Keycloak version installed at the node's `keycloakHome` (from its version.txt), or null. */
export async function installedVersion(cluster: ClusterDetail, node: NodeSpec, signal?: AbortSignal): Promise<string | null> {
  const session = await openNode(cluster, node, signal);
  try {
    const r = await session.exec(['cat', '--', `${node.keycloakHome}/version.txt`], { timeoutMs: 10_000 });
    if (r.exitCode !== 0) return null;
    return /(\d+\.\d+\.\d+[-.\w]*)/.exec(r.stdout)?.[1] ?? null;
  } finally {
    await session.close();
  }
}
