/**
 * Reaching a node over SSH with its pinned host key: for preflight checks,
 * reading what is installed, and reconciling after a crash; and the pinned
 * keys every playbook run is held to.
 */
import type { ClusterDetail, NodeSpec } from '../../../shared/contract/index.ts';
import { KeyturnError } from '../../../shared/errors.ts';
import type { PinnedHost } from '../../tools/known-hosts.ts';
import { connectSsh, hostKeyMismatch, scanHostKey, type HostKey } from '../../tools/ssh.ts';

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

/**
 * Finds a process started from `$1` (the node's keycloakHome, symlinks
 * resolved on both sides): kc.sh starts the JVM with `-Dkc.home.dir=<its
 * home>`. Matching on the home, not on "java", keeps the answer to this
 * node's Keycloak when several share one kernel (a lab, a shared host).
 * Prints `running <pid>`, `gone`, or `unknown` when /proc can't be read.
 */
const KEYCLOAK_PROCESS_SCRIPT = [
  'home=$(readlink -f -- "$1") || { echo unknown; exit 0; }',
  '[ -r /proc/self/cmdline ] || { echo unknown; exit 0; }',
  'for d in /proc/[0-9]*; do',
  '  h=$(tr "\\000" "\\n" <"$d/cmdline" 2>/dev/null | sed -n "s/^-Dkc\\.home\\.dir=//p" | head -n 1)',
  '  [ -n "$h" ] || continue',
  '  [ "$(readlink -f -- "$h" 2>/dev/null)" = "$home" ] && { echo "running ${d#/proc/}"; exit 0; }',
  'done',
  'echo gone',
].join('\n');

/** Whether the node's Keycloak process exists ('unknown' when the node can't tell us, or can't be reached). */
export type KeycloakProcess = { state: 'running'; pid: number } | { state: 'gone' } | { state: 'unknown'; why: string };

/**
 * Whether a Keycloak started from the node's keycloakHome is running, read
 * over SSH. Lets a wait for /health/ready stop as soon as the process has
 * died (a port taken, a bad option) instead of waiting out its deadline
 * while the cluster sits in maintenance. Never throws: a node that can't be
 * asked is 'unknown', and the caller keeps waiting as it would without this.
 */
export async function keycloakProcess(cluster: ClusterDetail, node: NodeSpec, signal?: AbortSignal): Promise<KeycloakProcess> {
  let session;
  try {
    session = await openNode(cluster, node, signal);
    const r = await session.exec(['sh', '-c', KEYCLOAK_PROCESS_SCRIPT, 'keycloak-process', node.keycloakHome], { timeoutMs: 15_000 });
    const out = r.stdout.trim();
    const running = /^running (\d+)$/.exec(out);
    if (running) return { state: 'running', pid: Number(running[1]) };
    if (out === 'gone') return { state: 'gone' };
    return { state: 'unknown', why: out || `exit ${r.exitCode}` };
  } catch (err) {
    return { state: 'unknown', why: err instanceof Error ? err.message : String(err) };
  } finally {
    await session?.close().catch(() => undefined);
  }
}

/** A host Keyturn has not pinned yet: where SSH reaches it, and the fingerprint the cluster file expects, if it gives one. */
export interface NewHost {
  name: string;
  host: string;
  port: number;
  expectedFingerprint?: string | undefined;
}

/**
 * The host key a host Keyturn meets for the first time presents, held to
 * the fingerprint the cluster file gives for it: a different key is refused
 * (`host-key-mismatch`, naming both) before anything is read from or written
 * to the host. `matched` says whether a fingerprint was given and held;
 * without one the caller pins what it got and names it (first contact).
 */
export async function readNewHostKey(h: NewHost, signal?: AbortSignal): Promise<HostKey & { matched: boolean }> {
  const key = await scanHostKey({ host: h.host, port: h.port, timeoutMs: 10_000, ...(signal ? { signal } : {}) });
  if (h.expectedFingerprint !== undefined && key.fingerprint !== h.expectedFingerprint) throw hostKeyMismatch(h.name, h.host, h.expectedFingerprint, key);
  return { ...key, matched: h.expectedFingerprint !== undefined };
}
