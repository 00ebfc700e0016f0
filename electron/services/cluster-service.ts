/**
 * Registering and reading clusters, and the explicit "Test connection" (the
 * console) or `cluster trust` (the CLI) that pins SSH host keys. Registering
 * connects to nothing: reaching a customer's hosts is always an operator's
 * explicit action. Pins keep the whole key, so Ansible's ssh can be held to
 * it too (tools/known-hosts.ts).
 */
import type { ClusterDetail, ClusterSpec, HostKeyScan } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { deleteCluster, getCluster, insertCluster, pinHostKey, updateCluster } from '../ledger/clusters-repo.ts';
import { getLock } from '../ledger/locks-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { connectSsh, scanHostKey, type HostKey } from '../tools/ssh.ts';
import { fleetSummaries, knownPublishedVersions } from './fleet-facts.ts';

/** One node's outcome of pinning: whether the login test after it worked, and what it said. */
export interface ConnectionTest {
  node: string;
  ok: boolean;
  detail: string;
}

type NodeView = ClusterDetail['nodes'][number];

/** Logs in once with the key just pinned, to prove the whole path (host key, user, credential) works. */
async function testLogin(n: NodeView, key: HostKey): Promise<ConnectionTest> {
  try {
    const session = await connectSsh({ host: n.host, port: n.port, user: n.user, node: n.name, keyPath: n.keyPath ?? undefined, pinnedFingerprint: key.fingerprint, pinnedAlgorithm: key.algorithm, timeoutMs: 10_000 });
    try {
      const r = await session.exec(['uname', '-srm'], { timeoutMs: 10_000 });
      return { node: n.name, ok: r.exitCode === 0, detail: r.exitCode === 0 ? `logged in as ${n.user}: ${r.stdout.trim()}` : `login worked but a test command failed: ${r.stderr.trim()}` };
    } finally {
      await session.close();
    }
  } catch (err) {
    return { node: n.name, ok: false, detail: `host key pinned; login failed: ${(err as Error).message}` };
  }
}

const CHANGED_KEY_HINT = (cluster: string, node: string) =>
  `A changed host key can mean the host was rebuilt or that someone is intercepting. Verify the new fingerprint with the host's owner; to accept it, re-pin naming both fingerprints: keyturn cluster trust ${cluster} --replace ${node} --old <pinned> --new <presented>.`;

export function createClusterService(db: Ledger) {
  const assertUnlocked = (name: string) => {
    const detail = getCluster(db, name);
    const lock = getLock(db, detail.id);
    if (lock) {
      throw new KeyturnError('locked', `Cluster '${name}' has a run in progress (${lock.run_id}).`, 'Wait for the run to finish or abort it before changing the cluster.');
    }
  };

  return {
    /** The fleet: every cluster's summary with its fleet facts and next actions (console and `cluster list --json` alike). */
    list: async () => fleetSummaries(db, await knownPublishedVersions(db)),
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
          throw new KeyturnError('host-key-mismatch', `Node ${n.name} (${n.host}:${n.port}) already has a different pinned host key: pinned ${n.hostKey.fingerprint}, confirmed ${confirmed.fingerprint}.`, CHANGED_KEY_HINT(name, n.name));
        }
        let presented: HostKey;
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
        results.push(await testLogin(n, presented));
      }
      return results;
    },

    /**
     * Replaces a pinned key that changed: the explicit, separate action a
     * changed key needs. The operator names the old fingerprint (it must be
     * the pinned one) and the new one (it must be what the host presents now),
     * so a key is never replaced by accident or by a script that said "yes".
     */
    async replaceHostKey(name: string, nodeName: string, oldFingerprint: string, newFingerprint: string): Promise<ConnectionTest> {
      assertUnlocked(name);
      const n = getCluster(db, name).nodes.find((x) => x.name === nodeName);
      if (!n) throw new KeyturnError('not-found', `Cluster '${name}' has no node named '${nodeName}'.`, `List its nodes with: keyturn cluster show ${name}`);
      const where = `Node ${n.name} (${n.host}:${n.port})`;
      if (!n.hostKey) throw new KeyturnError('invalid-input', `${where} has no pinned key to replace.`, `Pin it with: keyturn cluster trust ${name}`);
      if (oldFingerprint === newFingerprint) throw new KeyturnError('invalid-input', `--old and --new name the same fingerprint (${oldFingerprint}): that is no change.`, `To complete or confirm a pin, run: keyturn cluster trust ${name}`);
      if (n.hostKey.fingerprint !== oldFingerprint) {
        throw new KeyturnError('conflict', `${where}: the pinned key is ${n.hostKey.fingerprint}, not the --old ${oldFingerprint} you named. Nothing was changed.`, `Check the pin with: keyturn cluster show ${name}`);
      }
      const presented = await scanHostKey({ host: n.host, port: n.port, timeoutMs: 5000 });
      if (presented.fingerprint !== newFingerprint) {
        throw new KeyturnError('conflict', `${where} presents ${presented.fingerprint}, not the --new ${newFingerprint} you named. Nothing was changed.`, 'Compare the fingerprint with the host owner again before replacing the pin.');
      }
      pinHostKey(db, name, n.name, presented);
      return testLogin(n, presented);
    },
  };
}

export type ClusterService = ReturnType<typeof createClusterService>;
