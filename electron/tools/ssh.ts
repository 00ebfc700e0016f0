/**
 * SSH to cluster nodes (ssh2), with host keys pinned in the ledger.
 *
 * Why pinning and not known_hosts: Keyturn shows the operator a fingerprint,
 * records the one they confirmed, and from then on refuses any other key
 * (DESIGN §9). So `scanHostKey` reads a key without logging in, and
 * `connectSsh` aborts the handshake unless the presented key is exactly the
 * pinned one. Running commands on the session it returns (streaming output,
 * killing on timeout, quoting argv) lives in `ssh-exec.ts`; its types and
 * `shellQuote` are re-exported here so callers import SSH from one place.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
// ssh2 is CommonJS: Node's ESM loader doesn't see its named exports, so take them off the default export.
import ssh2, { type ConnectConfig } from 'ssh2';
import { KeyturnError } from '../../shared/errors.ts';
import { abortedError, createSession, type HostKey, type SshSession } from './ssh-exec.ts';
export type { HostKey } from './ssh-exec.ts';

export { shellQuote, type ExecOptions, type ExecResult, type OutputStream, type SshSession } from './ssh-exec.ts';

const { Client, utils } = ssh2;


/** Where to connect; `timeoutMs` bounds TCP connect plus SSH handshake. */
export interface SshTarget {
  host: string;
  port: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A node as the cluster spec describes it, plus the host key the operator pinned. */
export interface SshConnectOptions extends SshTarget {
  user: string;
  /** The node's name in the cluster, so errors say which node (not only its address). */
  node?: string;
  /** Private key file (OpenSSH or PEM; ed25519, ecdsa, rsa). */
  keyPath?: string;
  /** Passphrase of `keyPath`. Never logged, never put in an error. */
  passphrase?: string;
  /** `true`: the agent at SSH_AUTH_SOCK; a string: that agent socket. Default: SSH_AUTH_SOCK when no keyPath. */
  agent?: boolean | string;
  /** The fingerprint the operator confirmed. Without one we refuse to connect. */
  pinnedFingerprint: string | null | undefined;
  /** The pinned key's type; when given, only that host key type is negotiated so a second key can't stand in. */
  pinnedAlgorithm?: string;
}

/** OpenSSH's fingerprint of a raw host key blob: `SHA256:` + unpadded base64 (as `ssh-keygen -lf`). */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH wire-format key blob. */
export function algorithmOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  return keyBlob.subarray(4, 4 + keyBlob.readUInt32BE(0)).toString('latin1');
}

/** The pinnable form of a key blob a server presented. */
function hostKeyOf(keyBlob: Buffer): HostKey {
  return { algorithm: algorithmOf(keyBlob), fingerprint: fingerprintOf(keyBlob), publicKey: keyBlob.toString('base64') };
}

function describeNetworkError(err: Error & { code?: string; level?: string }, timeoutMs: number): string {
  if (err.level === 'client-timeout' || err.code === 'ETIMEDOUT') return `no SSH handshake within ${timeoutMs} ms`;
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') return 'host unreachable';
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return 'host name not found';
  if (err.code === 'ECONNRESET') return 'connection reset by the server';
  return err.message;
}

function sshFailed(host: string, port: number, err: Error, timeoutMs: number): KeyturnError {
  return new KeyturnError(
    'ssh-failed',
    `SSH to ${host}:${port} failed: ${describeNetworkError(err, timeoutMs)}`,
    `Check that sshd is running on ${host} and listening on port ${port}, that the address and port in the cluster spec are right, and that no firewall blocks the connection.`,
  );
}

/** Reads a node's host key without logging in, so the operator can compare it before pinning. */
export function scanHostKey({ host, port, timeoutMs = 10_000, signal }: SshTarget): Promise<HostKey> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(`Host key scan of ${host}:${port}`));
    const client = new Client();
    let key: HostKey | undefined;
    let settled = false;
    const settle = (err?: KeyturnError) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      client.destroy();
      if (key && !err) resolve(key);
      else reject(err ?? new KeyturnError('ssh-failed', `SSH to ${host}:${port} closed before the server presented a host key`, `Check that port ${port} on ${host} is an SSH server.`));
    };
    const onAbort = () => settle(abortedError(`Host key scan of ${host}:${port}`));
    signal?.addEventListener('abort', onAbort, { once: true });
    client.on('error', (err) => settle(key ? undefined : sshFailed(host, port, err, timeoutMs)));
    client.on('close', () => settle());
    try {
      client.connect({
        host,
        port,
        // ssh2 insists on a user name; none is ever sent, since the handshake stops at the host key.
        username: 'keyturn-scan',
        readyTimeout: timeoutMs,
        // Capture the key and refuse it: the handshake stops here, before any authentication.
        hostVerifier: (blob: Buffer) => {
          key = hostKeyOf(blob);
          return false;
        },
      });
    } catch (err) {
      settle(sshFailed(host, port, err as Error, timeoutMs));
    }
  });
}

/** Host key algorithms that present a key of the pinned type (an RSA key signs with three). */
function hostKeyAlgorithmsFor(pinned: string): ConnectConfig['algorithms'] {
  const list = pinned === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [pinned];
  return { serverHostKey: list as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
}

/**
 * Reads the key file. An encrypted key without a passphrase is not an error
 * when an agent is at hand: returns null and the agent (which holds the
 * unlocked key, as it does for Ansible's ssh) is used instead.
 */
async function loadKey(opts: SshConnectOptions, where: string, agentSocket: string | undefined): Promise<Buffer | null> {
  const path = opts.keyPath!;
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new KeyturnError('ssh-failed', `Cannot read SSH key ${path} for ${where}: ${code ?? 'read error'}`, 'Check the key path in the cluster spec and that Keyturn may read the file.');
  }
  const parsed = utils.parseKey(raw, opts.passphrase);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase|decrypt/i.test(parsed.message);
    if (encrypted && !opts.passphrase && agentSocket) return null;
    throw new KeyturnError(
      'ssh-failed',
      encrypted
        ? `SSH key ${path} for ${where} is encrypted and ${opts.passphrase ? 'the passphrase does not open it' : 'no passphrase was given and no ssh-agent is running (SSH_AUTH_SOCK is not set)'}`
        : `SSH key ${path} for ${where} is not a private key Keyturn can read`,
      encrypted
        ? `Load the key into ssh-agent once (eval "$(ssh-agent)"; ssh-add ${path}) and run Keyturn with SSH_AUTH_SOCK set: ssh2 and Ansible's ssh both use the agent, and the passphrase is never stored.`
        : 'Use an OpenSSH or PEM private key (ed25519, ecdsa or rsa), not the .pub file.',
    );
  }
  return raw;
}

function reviewHint(host: string): string {
  return `Do not connect. Verify the presented fingerprint with the owner of ${host} (ssh-keygen -lf on the host's key); if the change is legitimate, re-pin it naming both fingerprints: keyturn cluster trust CLUSTER --replace NODE --old <pinned> --new <presented>.`;
}

/** The one wording of "this host now presents another key": names the node and both fingerprints. */
export function hostKeyMismatch(node: string, host: string, pinned: string, presented: Pick<HostKey, 'algorithm' | 'fingerprint'>): KeyturnError {
  return new KeyturnError('host-key-mismatch', `Host key of ${node} does not match the pinned key: pinned ${pinned}, presented ${presented.fingerprint} (${presented.algorithm})`, reviewHint(host), { pinned, presented: presented.fingerprint });
}

/**
 * Logs in to a node after checking its host key against the pinned fingerprint.
 * The returned session runs commands until `close()`; aborting `signal` closes it.
 */
export async function connectSsh(opts: SshConnectOptions): Promise<SshSession> {
  const { host, port, user, timeoutMs = 15_000, signal } = opts;
  const where = opts.node ? `node ${opts.node} (${user}@${host}:${port})` : `${user}@${host}:${port}`;
  const node = opts.node ? `node ${opts.node} (${host}:${port})` : `${host}:${port}`;
  const pinned = opts.pinnedFingerprint?.trim().replace(/=+$/, '');
  if (!pinned) {
    throw new KeyturnError('host-key-unconfirmed', `The host key of ${node} has not been confirmed`, 'Scan the host keys of this cluster (keyturn cluster trust NAME, or Test connection in the console), compare the fingerprint with the host owner, and pin it before connecting.');
  }
  if (signal?.aborted) throw abortedError(`SSH login to ${where}`);
  const envAgent = opts.agent === false ? undefined : typeof opts.agent === 'string' ? opts.agent : process.env.SSH_AUTH_SOCK || undefined;
  if (!opts.keyPath && !envAgent) {
    throw new KeyturnError('ssh-failed', `No SSH key for ${where}: no key file given and SSH_AUTH_SOCK is not set`, 'Set keyPath for this node, or start ssh-agent, add the key, and export SSH_AUTH_SOCK.');
  }
  const privateKey = opts.keyPath ? await loadKey(opts, where, envAgent) : null;
  // The agent is offered when asked for, when there is no key file, or when the key file is locked and the agent holds it.
  const agentSocket = opts.agent === true || typeof opts.agent === 'string' || !opts.keyPath || privateKey === null ? envAgent : undefined;
  const credential = [privateKey && `key ${opts.keyPath}`, agentSocket && `the keys in ssh-agent (${agentSocket})`].filter(Boolean).join(' or ');

  const client = new Client();
  let presented: HostKey | undefined;
  let deciding = false; // a refused key type is being looked at; the connection closing meanwhile is expected
  const hostKey = await new Promise<HostKey>((resolve, reject) => {
    let settled = false;
    const settle = (err?: KeyturnError) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        client.destroy();
        reject(err);
      } else resolve(presented!);
    };
    const onAbort = () => settle(abortedError(`SSH login to ${where}`));
    signal?.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => settle());
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (presented && presented.fingerprint !== pinned) {
        settle(hostKeyMismatch(node, host, pinned, presented));
      } else if (opts.pinnedAlgorithm && !presented && (/no matching host key/i.test(err.message) || err.code === 'ECONNRESET')) {
        // No key of the pinned type: either side may notice first (the server then just resets the
        // connection). Read the key it does offer, so the operator can compare both fingerprints.
        deciding = true;
        const typeGone = new KeyturnError('host-key-mismatch', `Host key of ${node} changed: pinned ${pinned} (${opts.pinnedAlgorithm}), and the host no longer offers a ${opts.pinnedAlgorithm} key`, reviewHint(host));
        const fallback = /no matching host key/i.test(err.message) ? typeGone : sshFailed(host, port, err, timeoutMs);
        void scanHostKey({ host, port, timeoutMs }).then(
          (k) => settle(k.fingerprint !== pinned ? hostKeyMismatch(node, host, pinned, k) : k.algorithm !== opts.pinnedAlgorithm ? typeGone : fallback),
          () => settle(fallback),
        );
      } else if (err.level === 'client-authentication') {
        settle(new KeyturnError('ssh-failed', `SSH login as ${where} failed: the server refused ${credential}`, `Check that the public key is in ${user}'s authorized_keys on ${host}, that the user name is right, and that ${opts.keyPath ? 'the key file' : 'the agent'} holds the key you meant.`));
      } else settle(sshFailed(host, port, err, timeoutMs));
    });
    client.on('close', () => deciding || settle(new KeyturnError('ssh-failed', `SSH to ${where} closed during login`, `Look at the sshd log on ${host} (e.g. MaxStartups, AllowUsers, or a TCP wrapper refusing us).`)));
    try {
      client.connect({
        host,
        port,
        username: user,
        privateKey: privateKey ?? undefined,
        passphrase: privateKey ? opts.passphrase : undefined,
        agent: agentSocket,
        readyTimeout: timeoutMs,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 4,
        algorithms: opts.pinnedAlgorithm ? hostKeyAlgorithmsFor(opts.pinnedAlgorithm) : undefined,
        hostVerifier: (blob: Buffer) => {
          presented = hostKeyOf(blob);
          return presented.fingerprint === pinned;
        },
      });
    } catch (err) {
      settle(new KeyturnError('ssh-failed', `SSH to ${where} could not start: ${(err as Error).message}`, 'Check the node settings in the cluster spec (pinned algorithm, key).'));
    }
  });
  return createSession(client, host, port, user, hostKey, signal);
}
