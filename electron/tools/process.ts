/**
 * The one way Keyturn starts an external program.
 *
 * Every adapter (terraform, ansible, mvn, pg_dump...) goes through `runTool`
 * so that the rules of the security baseline hold everywhere: argument arrays
 * only (never a shell string), output streamed line by line as it happens so
 * runs show live progress, cancellation through the engine's `AbortSignal`
 * that takes the whole process tree down, and failures that say what to
 * install or what went wrong instead of a raw `spawn ENOENT`.
 */
import { stat } from 'node:fs/promises';
import { findExecutable } from './executable.ts';
import { constants as osConstants } from 'node:os';
import { execa } from 'execa';
import { KeyturnError } from '../../shared/errors.ts';

/** Which stream a line came from. */
export type OutputStream = 'stdout' | 'stderr';

export interface RunToolOptions {
  /** Human name used in messages, e.g. `terraform apply`. */
  tool: string;
  /** Program to start: a name looked up on PATH or an absolute path. */
  command: string;
  args: readonly string[];
  cwd?: string;
  /** Added to (not replacing) the current environment. */
  env?: Record<string, string | undefined>;
  /** Written to stdin; without it stdin is closed so nothing can hang on a prompt. */
  input?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** How long a stopped program gets between SIGTERM and SIGKILL. Default 10 s (terraform saves its state on SIGTERM). */
  killGraceMs?: number;
  /** Called for every complete line (and a final partial line) as soon as it arrives. */
  onLine?: (stream: OutputStream, line: string) => void;
  /** Applied to streamed lines, to the returned output and to error messages. */
  redact?: (s: string) => string;
}

export interface ToolResult {
  exitCode: number;
  /** Set when the program died from a signal nobody here sent. */
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/**
 * Debian packages that provide the programs Keyturn drives, so a missing one
 * can be named in the error (and installed by `lab doctor --install`).
 * terraform comes from HashiCorp's apt repository and temurin from Adoptium's.
 */
export const debianPackages: Readonly<Record<string, string>> = {
  terraform: 'terraform',
  'ansible-playbook': 'ansible',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  'ssh-keyscan': 'openssh-client',
  sshd: 'openssh-server',
  java: 'temurin-25-jdk',
  pg_dump: 'postgresql-client',
  pg_restore: 'postgresql-client',
  psql: 'postgresql-client',
  initdb: 'postgresql',
  pg_ctl: 'postgresql',
  nsupdate: 'bind9-dnsutils',
  dig: 'bind9-dnsutils',
  haproxy: 'haproxy',
  named: 'bind9',
  mvn: 'maven',
  unzip: 'unzip',
};

/** The Debian package for a command (by its base name), or null when unknown. */
export function debianPackageFor(command: string): string | null {
  const base = command.slice(command.lastIndexOf('/') + 1);
  return debianPackages[base] ?? null;
}

const DEFAULT_KILL_GRACE_MS = 10_000;

/** Process groups still running, killed if Keyturn itself exits (detached children outlive us otherwise). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const group of liveGroups) signalGroup(group, 'SIGKILL');
    });
  }
}

/** Sends a signal to a whole process group; false when the group is gone. */
function signalGroup(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a program and resolves with its exit code and output; a non-zero exit
 * is returned, not thrown, because callers know which codes are fine
 * (`update-compatibility check` exits 3 to mean "recreate").
 *
 * The child runs in its own process group so abort and timeout reach
 * everything it started (terraform's local-exec shells, ansible's workers):
 * SIGTERM first, SIGKILL after `killGraceMs`.
 *
 * Throws `tool-missing` (program not installed), `not-found` (cwd missing),
 * `timeout` and `aborted`.
 */
export async function runTool(options: RunToolOptions): Promise<ToolResult> {
  const { tool, command, args, cwd, env, input, signal, timeoutMs, onLine } = options;
  const redact = options.redact ?? ((s: string) => s);
  const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;

  if (signal?.aborted) throw abortedError(tool);
  if (cwd !== undefined) await requireDirectory(cwd, tool);

  const started = performance.now();
  // A throwing listener must not tear the output stream apart mid-run; its error is rethrown once the program ends.
  let listenerError: unknown = null;
  const lineTap = (stream: OutputStream) =>
    function* tap(line: unknown): Generator<string> {
      const text = String(line);
      if (onLine && listenerError === null) {
        try {
          onLine(stream, redact(text));
        } catch (err) {
          listenerError = err;
        }
      }
      yield text;
    };

  // A child must not outlive Keyturn: after a kill -9 of the engine, a half-done playbook
  // would otherwise keep changing a node while the resumed run starts its own.
  const launcher = await dieWithParentLauncher(command, env?.PATH ?? process.env.PATH ?? '');
  if (launcher === 'missing') throw spawnError(tool, command, 'ENOENT', 'not found');
  const subprocess = execa(launcher ? launcher.command : command, launcher ? [...launcher.prefix, launcher.target, ...args] : [...args], {
    cwd,
    env,
    extendEnv: true,
    reject: false,
    detached: true,
    windowsHide: true,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    stdout: [lineTap('stdout')],
    stderr: [lineTap('stderr')],
    maxBuffer: 256 * 1024 * 1024,
  });

  let stopReason: 'timeout' | 'aborted' | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (reason: 'timeout' | 'aborted') => {
    if (stopReason !== null || subprocess.pid === undefined) return;
    stopReason = reason;
    const pid = subprocess.pid;
    signalGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), grace);
  };
  const onAbort = () => stop('aborted');
  signal?.addEventListener('abort', onAbort, { once: true });
  const timeoutTimer = timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), timeoutMs);
  if (subprocess.pid !== undefined) trackGroup(subprocess.pid);

  let result;
  try {
    result = await subprocess;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    clearTimeout(timeoutTimer);
    clearTimeout(killTimer);
    if (subprocess.pid !== undefined) {
      liveGroups.delete(subprocess.pid);
      // Stragglers that ignored SIGTERM and no longer hold our pipes.
      if (stopReason !== null) signalGroup(subprocess.pid, 'SIGKILL');
    }
  }
  const durationMs = Math.round(performance.now() - started);

  if (stopReason === 'aborted') throw abortedError(tool);
  if (listenerError !== null) throw listenerError;
  if (stopReason === 'timeout') {
    throw new KeyturnError(
      'timeout',
      `${tool} did not finish within ${formatDuration(timeoutMs ?? 0)} and was stopped.`,
      'Check the last output lines for what it was waiting on (a host, a lock, the network); raise the time limit only if the work is genuinely slow.',
      { tool, lastLines: tailLines(redact(String(result.stderr ?? '')), 10) },
    );
  }

  const spawnCode = (result as { code?: string }).code;
  if (result.exitCode === undefined && result.signal === undefined && spawnCode !== undefined) {
    throw spawnError(tool, command, spawnCode, redact(result.originalMessage ?? result.message ?? spawnCode));
  }

  const sig = result.signal ?? null;
  const exitCode = result.exitCode ?? (sig ? 128 + (osConstants.signals[sig as NodeJS.Signals] ?? 0) : -1);
  return {
    exitCode,
    signal: sig,
    stdout: redact(String(result.stdout ?? '')),
    stderr: redact(String(result.stderr ?? '')),
    durationMs,
  };
}

/**
 * Throws `tool-failed` unless the program exited 0, quoting the last lines of
 * stderr (or stdout when stderr is empty: mvn reports errors on stdout).
 * `what` names the action for the message, e.g. `terraform init in /x`.
 */
export function requireSuccess(result: ToolResult, what: string, hint?: string): ToolResult {
  if (result.exitCode === 0) return result;
  const tail = tailLines(result.stderr.trim() ? result.stderr : result.stdout, 12);
  const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
  throw new KeyturnError(
    'tool-failed',
    `${what} failed: it ${how}.${tail ? `\n${tail}` : ''}`,
    hint ?? 'Read the output above for the cause, fix it, and run the step again.',
    { exitCode: result.exitCode, signal: result.signal },
  );
}

/** The last `n` non-empty lines of a text, for error messages that stay readable. */
export function tailLines(text: string, n: number): string {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n');
}

function abortedError(tool: string): KeyturnError {
  return new KeyturnError(
    'aborted',
    `${tool} was stopped because the run was aborted.`,
    'Nothing else will run. Check the run log for how far it got, then resume or roll back.',
    { tool },
  );
}

let setprivPath: Promise<string | null> | null = null;

/**
 * On Linux, util-linux's `setpriv --pdeathsig KILL` makes the kernel kill the
 * child when Keyturn dies. Returns null where it isn't available (the child
 * then runs directly), 'missing' when `command` itself does not exist
 * (setpriv would hide the ENOENT behind its own exit code).
 */
async function dieWithParentLauncher(command: string, path: string): Promise<{ command: string; prefix: string[]; target: string } | null | 'missing'> {
  if (process.platform !== 'linux') return null;
  setprivPath ??= findExecutable('setpriv', ['/usr/bin', '/bin']);
  const setpriv = await setprivPath;
  if (!setpriv) return null;
  const target = await findExecutable(command, [], path);
  if (!target) return 'missing';
  return { command: setpriv, prefix: ['--pdeathsig', 'KILL', '--'], target };
}

function spawnError(tool: string, command: string, code: string, detail: string): KeyturnError {
  if (code === 'ENOENT') {
    const pkg = debianPackageFor(command);
    return new KeyturnError(
      'tool-missing',
      `${tool} needs the program "${command}", which is not installed or not on PATH.`,
      pkg
        ? `Install the Debian package "${pkg}" (sudo apt-get install ${pkg}) or put "${command}" on PATH, then try again.`
        : `Install "${command}" or put it on PATH, then try again.`,
      { command, debianPackage: pkg },
    );
  }
  if (code === 'EACCES') {
    return new KeyturnError('tool-missing', `${tool}: "${command}" exists but cannot be executed (permission denied).`, `Make "${command}" executable (chmod +x) or reinstall it.`, { command });
  }
  return new KeyturnError('tool-failed', `${tool} could not be started: ${detail}`, 'Check that the program and its working directory are usable by this user.', { command, code });
}

async function requireDirectory(dir: string, tool: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) {
    throw new KeyturnError('not-found', `${tool} cannot run in ${dir}: that directory does not exist.`, 'Create the directory or point the step at the right one.', { cwd: dir });
  }
}

function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
