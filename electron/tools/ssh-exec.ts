/**
 * Running commands over a logged-in SSH connection (see `ssh.ts` for login
 * and host-key pinning).
 *
 * Why this is more than `client.exec`: a command's output must arrive line by
 * line as it is printed (UTF-8 split across chunks included), and a timeout
 * or abort must really stop the command on the host, which closing the
 * channel does not. Commands are given as argv arrays and quoted here: this
 * is the only place in Keyturn that builds a shell string, and only from a
 * typed array.
 */
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
// Types only (erased at runtime), so ssh2's CommonJS named exports are not an issue here.
import type { Client as SshClient, ClientChannel } from 'ssh2';
import { KeyturnError } from '../../shared/errors.ts';

/**
 * A host key as Keyturn pins it: the wire type (`ssh-ed25519`), OpenSSH's
 * `SHA256:` fingerprint, and the key itself (base64 of the wire blob, as in a
 * known_hosts line) so OpenSSH-based tools can be held to the same key.
 */
export interface HostKey {
  algorithm: string;
  fingerprint: string;
  publicKey: string;
}

/** Which stream of a remote command a line came from. */
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

/** The error for a cancelled SSH operation; shared with `ssh.ts` so login, scan and commands word it alike. */
export function abortedError(what: string): KeyturnError {
  return new KeyturnError('aborted', `${what} was cancelled`, 'Nothing else was changed; start the operation again when ready.');
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

/**
 * Wraps a logged-in client as an `SshSession`: commands run one channel each,
 * and closing the session (or aborting `signal`) kills what still runs first.
 * Only `connectSsh` calls this, once the host key has been checked.
 */
export function createSession(client: SshClient, host: string, port: number, user: string, hostKey: HostKey, signal?: AbortSignal): SshSession {
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
