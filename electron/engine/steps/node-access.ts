/**
 * Reaching a node over SSH with its pinned host key: for preflight checks,
 * reading what is installed, and reconciling after a crash.
 */
import type { ClusterDetail, NodeSpec } from '../../../shared/contract/index.ts';
import { KeyturnError } from '../../../shared/errors.ts';
import { connectSsh } from '../../tools/ssh.ts';

/** Opens a session to `node`; refuses a node whose host key was never confirmed. */
export async function openNode(cluster: ClusterDetail, node: NodeSpec, signal?: AbortSignal) {
  const view = cluster.nodes.find((n) => n.name === node.name);
  if (!view?.hostKey) {
    throw new KeyturnError('host-key-unconfirmed', `Node ${node.name} (${node.host}:${node.port}) has no pinned SSH host key.`,
      `Open cluster '${cluster.name}' and use Test connection to compare and pin its host key first.`);
  }
  return connectSsh({ host: node.host, port: node.port, user: node.user, ...(node.keyPath ? { keyPath: node.keyPath } : {}), pinnedFingerprint: view.hostKey.fingerprint, pinnedAlgorithm: view.hostKey.algorithm, timeoutMs: 10_000, ...(signal ? { signal } : {}) });
}

/** The Keycloak version installed at the node's `keycloakHome` (from its version.txt), or null. */
export async function installedVersion(cluster: ClusterDetail, node: NodeSpec, signal?: AbortSignal): Promise<string | null> {
  const session = await openNode(cluster, node, signal);
  try {
    const r = await session.exec(['cat', `${node.keycloakHome}/version.txt`], { timeoutMs: 10_000 });
    if (r.exitCode !== 0) return null;
    return /(\d+\.\d+\.\d+[-.\w]*)/.exec(r.stdout)?.[1] ?? null;
  } finally {
    await session.close();
  }
}
