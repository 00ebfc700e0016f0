/**
 * SSH to cluster nodes (ssh2), with host keys pinned in the ledger.
 *
 * Why pinning and not known_hosts: Keyturn shows the operator a fingerprint,
 * records the one they confirmed, and from then on refuses any other key
 * (DESIGN §9). So `scanHostKey` reads a key without logging in, and
 * `connectSsh` aborts the handshake unless the presented key is exactly the
 * pinned one. Commands are given as argv arrays and quoted here: this is the
 * only place in Keyturn that builds a shell string, and only from a typed array.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
// ssh2 is CommonJS: Node's ESM loader doesn't see its named exports, so take them off the default export.
import ssh2, { type Client as SshClient, type ClientChannel, type ConnectConfig } from 'ssh2';
import { KeyturnError } from '../../shared/errors.ts';

const { Client, utils } = ssh2;

/** A host key as Keyturn pins it: the wire type (`ssh-ed25519`) and OpenSSH's `SHA256:` fingerprint. */
export interface HostKey {
  algorithm: string;
  fingerprint: string;
}

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

export type OutputStream = 'stdout' | 'stderr';

/** Per-command options; a timeout or abort kills the command's process group on the host. */
export interface ExecOptions {
  /** Called for every complete line (without the newline) as it arrives. */
  onLine?: (line: string, stream: OutputStream) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Written to the command's stdin, then EOF. Without it stdin is closed at once. */
  stdin?: string;
}

/** A non-zero exit is a result, not an error: callers branch on codes (e.g. update-compatibility 0..4). */
export interface ExecResult {
  /** null when the command was killed by a signal or the server sent no status. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** One logged-in connection; run several commands over it, then close it. */
export interface SshSession {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly hostKey: HostKey;
  exec(command: readonly string[] | string, options?: ExecOptions): Promise<ExecResult>;
  /** Kills commands still running (they fail with 'ssh-failed'), then ends the connection. */
  close(): Promise<void>;
}

/** OpenSSH's fingerprint of a raw host key blob: `SHA256:` + unpadded base64 (as `ssh-keygen -lf`). */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH wire-format key blob. */
function algorithmOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  return keyBlob.subarray(4, 4 + keyBlob.readUInt32BE(0)).toString('latin1');
}

const SAFE_ARG = /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/;

/**
 * Quotes argv for the remote POSIX shell (sh, bash, dash, zsh): plain words
 * stay as they are, anything else is single-quoted with `'` written as `'\''`.
 */
export function shellQuote(argv: readonly string[]): string {
  if (argv.length === 0) throw new KeyturnError('invalid-input', 'Empty command', 'Give the program to run as the first element.');
  return argv
    .map((arg) => {
      if (arg.includes('\0')) throw new KeyturnError('invalid-input', 'A command argument contains a NUL byte', 'Remove the NUL byte; a shell argument cannot carry one.');
      return SAFE_ARG.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
    })
    .join(' ');
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

function abortedError(what: string): KeyturnError {
  return new KeyturnError('aborted', `${what} was cancelled`, 'Nothing else was changed; start the operation again when ready.');
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
          key = { algorithm: algorithmOf(blob), fingerprint: fingerprintOf(blob) };
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

async function loadKey(opts: SshConnectOptions, where: string): Promise<Buffer> {
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
    throw new KeyturnError(
      'ssh-failed',
      encrypted
        ? `SSH key ${path} for ${where} is encrypted and ${opts.passphrase ? 'the passphrase does not open it' : 'no passphrase was given'}`
        : `SSH key ${path} for ${where} is not a private key Keyturn can read`,
      encrypted ? 'Give the passphrase of this key (or load it into ssh-agent and use the agent).' : 'Use an OpenSSH or PEM private key (ed25519, ecdsa or rsa), not the .pub file.',
    );
  }
  return raw;
}

/**
 * Logs in to a node after checking its host key against the pinned fingerprint.
 * The returned session runs commands until `close()`; aborting `signal` closes it.
 */
export async function connectSsh(opts: SshConnectOptions): Promise<SshSession> {
  const { host, port, user, timeoutMs = 15_000, signal } = opts;
  const where = `${user}@${host}:${port}`;
  const pinned = opts.pinnedFingerprint?.trim().replace(/=+$/, '');
  if (!pinned) {
    throw new KeyturnError('host-key-unconfirmed', `The host key of ${host}:${port} has not been confirmed`, 'Scan the host keys of this cluster, compare the fingerprint with the host owner, and pin it before connecting.');
  }
  if (signal?.aborted) throw abortedError(`SSH login to ${where}`);
  const agentSocket = opts.agent === true || (opts.agent === undefined && !opts.keyPath) ? process.env.SSH_AUTH_SOCK : opts.agent || undefined;
  if (!opts.keyPath && !agentSocket) {
    throw new KeyturnError('ssh-failed', `No SSH key for ${where}: no key file given and SSH_AUTH_SOCK is not set`, 'Set keyPath for this node, or start ssh-agent, add the key, and export SSH_AUTH_SOCK.');
  }
  const privateKey = opts.keyPath ? await loadKey(opts, where) : undefined;
  const credential = [opts.keyPath && `key ${opts.keyPath}`, agentSocket && `the keys in ssh-agent (${agentSocket})`].filter(Boolean).join(' or ');

  const client = new Client();
  let presented: HostKey | undefined;
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
    client.on('error', (err: Error & { level?: string }) => {
      if (presented && presented.fingerprint !== pinned) {
        settle(new KeyturnError('host-key-mismatch', `Host key of ${host}:${port} does not match the pinned key: expected ${pinned}, presented ${presented.fingerprint} (${presented.algorithm})`, `Do not connect. Verify the new fingerprint with the owner of ${host} (ssh-keygen -lf on the host's key), then re-pin it in Keyturn if the change is legitimate.`));
      } else if (opts.pinnedAlgorithm && /no matching host key/i.test(err.message)) {
        settle(new KeyturnError('host-key-mismatch', `Host ${host}:${port} no longer offers a ${opts.pinnedAlgorithm} host key (pinned ${pinned})`, `Do not connect. Ask the owner of ${host} why its host key changed, then re-pin the new key in Keyturn if the change is legitimate.`));
      } else if (err.level === 'client-authentication') {
        settle(new KeyturnError('ssh-failed', `SSH login as ${where} failed: the server refused ${credential}`, `Check that the public key is in ${user}'s authorized_keys on ${host}, that the user name is right, and that ${opts.keyPath ? 'the key file' : 'the agent'} holds the key you meant.`));
      } else settle(sshFailed(host, port, err, timeoutMs));
    });
    client.on('close', () => settle(new KeyturnError('ssh-failed', `SSH to ${where} closed during login`, `Look at the sshd log on ${host} (e.g. MaxStartups, AllowUsers, or a TCP wrapper refusing us).`)));
    try {
      client.connect({
        host,
        port,
        username: user,
        privateKey,
        passphrase: opts.passphrase,
        agent: agentSocket,
        readyTimeout: timeoutMs,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 4,
        algorithms: opts.pinnedAlgorithm ? hostKeyAlgorithmsFor(opts.pinnedAlgorithm) : undefined,
        hostVerifier: (blob: Buffer) => {
          presented = { algorithm: algorithmOf(blob), fingerprint: fingerprintOf(blob) };
          return presented.fingerprint === pinned;
        },
      });
    } catch (err) {
      settle(new KeyturnError('ssh-failed', `SSH to ${where} could not start: ${(err as Error).message}`, 'Check the node settings in the cluster spec (pinned algorithm, key).'));
    }
  });
  return createSession(client, host, port, user, hostKey, signal);
}

/** One command in flight. */
interface Running {
  /** Rejects the command and resolves once it has been killed on the host. */
  fail(err: KeyturnError): Promise<void>;
}

/** How long a cancelled command may take to report its pid (slow host, channel still opening) before we give up killing it. */
const PID_WAIT_MS = 3000;

/**
 * Each command first prints `<marker><pid>` on stderr. sshd runs every command
 * in a new session, so that pid is also its process group, and on timeout or
 * abort we `kill -s KILL -- -<pid>` over a second channel. Closing the channel
 * alone leaves e.g. `sleep` running, and sshd ignores SSH "signal" requests
 * for root logins (no privilege separation after auth). The marker line is
 * stripped from stderr before anyone sees it.
 */
function withPidMarker(line: string, marker: string): string {
  return `printf '%s%s\\n' '${marker}' "$$" >&2; ${line}`;
}

/** Splits one output stream into lines as it arrives; `firstLine` may swallow the first line (the pid marker). */
function collect(source: NodeJS.ReadableStream, onText: (text: string) => void, onLine: ((line: string) => void) | undefined, firstLine?: (line: string) => boolean): () => void {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let head: string | null = firstLine ? '' : null;
  let flushed = false;
  const take = (text: string) => {
    if (head !== null) {
      head += text;
      const nl = head.indexOf('\n');
      if (nl < 0) return;
      text = firstLine!(head.slice(0, nl)) ? head.slice(nl + 1) : head;
      head = null;
    }
    onText(text);
    if (!onLine) return;
    partial += text;
    for (let nl = partial.indexOf('\n'); nl >= 0; nl = partial.indexOf('\n')) {
      onLine(partial.slice(0, nl).replace(/\r$/, ''));
      partial = partial.slice(nl + 1);
    }
  };
  const flush = () => {
    if (flushed) return;
    flushed = true;
    take(decoder.end() + (head ?? ''));
    head = null;
    if (partial && onLine) onLine(partial.replace(/\r$/, ''));
  };
  source.on('data', (chunk: Buffer) => take(decoder.write(chunk)));
  source.on('end', flush);
  return flush;
}

function createSession(client: SshClient, host: string, port: number, user: string, hostKey: HostKey, signal?: AbortSignal): SshSession {
  const target = `${user}@${host}:${port}`;
  let closed = false;
  let ending = false; // close() has begun: no new commands
  const closedPromise = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const running = new Set<Running>();
  client.on('error', () => {}); // errors after login surface through 'close' and the running commands
  client.once('close', () => {
    closed = true;
    signal?.removeEventListener('abort', onAbort);
    for (const r of running) void r.fail(new KeyturnError('ssh-failed', `SSH connection to ${target} closed while a command was running`, `Check that ${host} is up and that sshd was not restarted; the command may or may not have finished.`));
  });

  /** Best effort: the command is going away either way; this makes sure it does on the host too. */
  const killGroup = (pid: string | undefined) =>
    new Promise<void>((resolve) => {
      if (!pid || closed) return resolve();
      const timer = setTimeout(resolve, 2000);
      const done = () => (clearTimeout(timer), resolve());
      try {
        client.exec(`kill -s KILL -- -${pid}`, (err, ch) => {
          if (err) return done();
          ch.on('close', done).resume();
          ch.stderr.resume();
          ch.end();
        });
      } catch {
        done(); // the connection dropped under us
      }
    });

  const close = async (reason?: KeyturnError) => {
    if (!closed && !ending) {
      ending = true;
      const err = reason ?? new KeyturnError('ssh-failed', `SSH session to ${target} was closed while a command was running`, 'Wait for commands to finish before closing the session.');
      await Promise.all([...running].map((r) => r.fail(err)));
      client.end();
    }
    await closedPromise;
  };
  const onAbort = () => void close(abortedError(`SSH session to ${target}`));
  signal?.addEventListener('abort', onAbort, { once: true });

  const exec = (command: readonly string[] | string, options: ExecOptions = {}): Promise<ExecResult> => {
    const line = typeof command === 'string' ? command : shellQuote(command);
    const program = (typeof command === 'string' ? command.trim().split(/\s+/)[0] : command[0]) ?? '';
    const marker = `keyturn-pid-${randomBytes(8).toString('hex')}:`;
    return new Promise<ExecResult>((resolve, reject) => {
      if (closed || ending) return reject(new KeyturnError('ssh-failed', `SSH connection to ${target} is closed`, 'Connect again before running commands.'));
      if (options.signal?.aborted) return reject(abortedError(`Command ${program} on ${host}`));
      let channel: ClientChannel | undefined;
      const out = { stdout: '', stderr: '' };
      const self: Running = { fail: (err) => finish(err) };
      let setPid: (pid: string | undefined) => void = () => {};
      const pid = new Promise<string | undefined>((r) => (setPid = r));
      let settled = false;
      let stopped = false; // the kill has been attempted; a channel opening now is simply closed
      const finish = async (err: KeyturnError | undefined, result?: ExecResult): Promise<void> => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        running.delete(self);
        options.signal?.removeEventListener('abort', onAbort);
        if (!err) return resolve(result!);
        reject(err);
        const known = await new Promise<string | undefined>((r) => {
          const wait = setTimeout(() => r(undefined), PID_WAIT_MS);
          void pid.then((p) => (clearTimeout(wait), r(p)));
        });
        await killGroup(known);
        stopped = true;
        channel?.close();
      };
      const onAbort = () => void finish(abortedError(`Command ${program} on ${host}`));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = options.timeoutMs
        ? setTimeout(() => void finish(new KeyturnError('timeout', `Command ${program} on ${host} did not finish within ${options.timeoutMs} ms`, `Look at what the command is waiting for on ${host}, or give it more time.`)), options.timeoutMs)
        : undefined;
      running.add(self);
      const onChannel = (err: Error | undefined, stream: ClientChannel) => {
        if (err) setPid(undefined);
        if (err) return void finish(new KeyturnError('ssh-failed', `Could not start ${program} on ${target}: ${err.message}`, `Check sshd's MaxSessions on ${host}.`));
        channel = stream;
        if (stopped) return void stream.close();
        let exitCode: number | null = null;
        let exitSignal: string | null = null;
        const lineTo = (name: OutputStream) => (options.onLine ? (l: string) => options.onLine!(l, name) : undefined);
        const takePid = (first: string) => {
          if (!first.startsWith(marker) || !/^\d+$/.test(first.slice(marker.length))) return false;
          setPid(first.slice(marker.length));
          return true;
        };
        const flushers = [
          collect(stream, (t) => (out.stdout += t), lineTo('stdout')),
          collect(stream.stderr, (t) => (out.stderr += t), lineTo('stderr'), takePid),
        ];
        stream.on('exit', (code: number | null, sig?: string) => {
          exitCode = typeof code === 'number' ? code : null;
          exitSignal = sig ?? null;
        });
        stream.on('close', () => {
          setPid(undefined);
          for (const flush of flushers) flush();
          void finish(undefined, { exitCode, signal: exitSignal, ...out });
        });
        if (options.stdin !== undefined) stream.end(options.stdin);
        else stream.end();
      };
      try {
        client.exec(withPidMarker(line, marker), onChannel);
      } catch (err) {
        setPid(undefined);
        void finish(new KeyturnError('ssh-failed', `SSH connection to ${target} dropped: ${(err as Error).message}`, `Check that ${host} is up, then connect again.`));
      }
    });
  };

  return { host, port, user, hostKey, exec, close: () => close() };
}
