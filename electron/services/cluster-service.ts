/**
 * Registering and reading clusters, and the explicit "Test connection" that
 * pins SSH host keys. Registering connects to nothing: reaching a customer's
 * hosts is always an operator's explicit action.
 */
import type { ClusterSpec, HostKeyScan } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { deleteCluster, getCluster, insertCluster, listClusters, pinHostKey, updateCluster } from '../ledger/clusters-repo.ts';
import { getLock } from '../ledger/locks-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { connectSsh, scanHostKey } from '../tools/ssh.ts';

export function createClusterService(db: Ledger) {
  const assertUnlocked = (name: string) => {
    const detail = getCluster(db, name);
    const lock = getLock(db, detail.id);
    if (lock) {
      throw new KeyturnError('locked', `Cluster '${name}' has a run in progress (${lock.run_id}).`, 'Wait for the run to finish or abort it before changing the cluster.');
    }
  };

  return {
    list: () => listClusters(db),
    get: (name: string) => getCluster(db, name),
    register(spec: ClusterSpec) {
      insertCluster(db, spec);
      return getCluster(db, spec.name);
    },
    update(name: string, spec: ClusterSpec) {
      assertUnlocked(name);
      updateCluster(db, name, spec);
      return getCluster(db, spec.name);
    },
    remove(name: string) {
      assertUnlocked(name);
      deleteCluster(db, name);
      return { removed: true as const };
    },

    /** Reads every node's host key without logging in, compared with what is pinned. */
    async scanHostKeys(name: string): Promise<HostKeyScan[]> {
      const detail = getCluster(db, name);
      return Promise.all(
        detail.nodes.map(async (n): Promise<HostKeyScan> => {
          try {
            const key = await scanHostKey({ host: n.host, port: n.port, timeoutMs: 5000 });
            const status = !n.hostKey ? 'new' : n.hostKey.fingerprint === key.fingerprint ? 'match' : 'changed';
            return { node: n.name, host: n.host, port: n.port, algorithm: key.algorithm, fingerprint: key.fingerprint, status, error: null };
          } catch (err) {
            return { node: n.name, host: n.host, port: n.port, algorithm: null, fingerprint: null, status: 'unreachable', error: (err as Error).message };
          }
        }),
      );
    },

    /**
     * Pins the keys the operator confirmed, after checking each still matches
     * what the host presents now, then logs in once to prove the connection.
     * A key that changed since it was pinned is never overwritten here.
     */
    async pinHostKeys(name: string, confirm: { node: string; fingerprint: string }[]) {
      const detail = getCluster(db, name);
      const results: { node: string; ok: boolean; detail: string }[] = [];
      for (const n of detail.nodes) {
        const confirmed = confirm.find((c) => c.node === n.name);
        if (!confirmed) {
          results.push({ node: n.name, ok: false, detail: 'not confirmed: compare its fingerprint and confirm it to pin' });
          continue;
        }
        if (n.hostKey && n.hostKey.fingerprint !== confirmed.fingerprint) {
          throw new KeyturnError('host-key-mismatch', `Node ${n.name} (${n.host}:${n.port}) already has a different pinned host key (${n.hostKey.fingerprint}).`,
            "A changed host key can mean the host was rebuilt or that someone is intercepting. Verify with the host's owner; to accept the new key, edit the node (changing its address clears the pin) and test again.");
        }
        let presented: { algorithm: string; fingerprint: string };
        try {
          presented = await scanHostKey({ host: n.host, port: n.port, timeoutMs: 5000 });
        } catch (err) {
          results.push({ node: n.name, ok: false, detail: (err as Error).message });
          continue;
        }
        if (presented.fingerprint !== confirmed.fingerprint) {
          throw new KeyturnError('host-key-mismatch', `Node ${n.name} (${n.host}:${n.port}) now presents ${presented.fingerprint}, not the ${confirmed.fingerprint} you confirmed.`,
            'Scan again and compare the fingerprint with the host owner before pinning. Nothing was pinned for this node.');
        }
        pinHostKey(db, name, n.name, presented);
        try {
          const session = await connectSsh({ host: n.host, port: n.port, user: n.user, keyPath: n.keyPath ?? undefined, pinnedFingerprint: presented.fingerprint, timeoutMs: 10_000 });
          try {
            const r = await session.exec(['uname', '-srm'], { timeoutMs: 10_000 });
            results.push({ node: n.name, ok: r.exitCode === 0, detail: r.exitCode === 0 ? `logged in as ${n.user}: ${r.stdout.trim()}` : `login worked but a test command failed: ${r.stderr.trim()}` });
          } finally {
            await session.close();
          }
        } catch (err) {
          results.push({ node: n.name, ok: false, detail: `host key pinned; login failed: ${(err as Error).message}` });
        }
      }
      return results;
    },
  };
}

export type ClusterService = ReturnType<typeof createClusterService>;
