/**
 * Ansible adapter: runs a playbook and turns its progress into per-host,
 * per-task events.
 *
 * Output comes from the `ansible.posix.jsonl` stdout callback (one JSON object
 * per line, written as each task starts and as each host finishes it), so a
 * run shows "keycloak-1: restart keycloak — ok" live, and a failure names
 * the host, the task and ansible's own message rather than "exit code 2".
 * Extra vars go through a private temp file so secrets never appear in argv.
 *
 * Every run is held to the pinned host keys (see `known-hosts.ts`): a per-run
 * known_hosts and strict checking passed as extra vars, which beat the
 * inventory, the playbook's `ansible.cfg` and the environment (Ansible's
 * variable precedence), in `ansible_ssh_args`, which Ansible puts first on
 * ssh's command line (and OpenSSH keeps the first value of each option).
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { execa } from 'execa';
import { dirname, join } from 'node:path';
import type { EventLevel } from '../../shared/contract/runs.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { asRecord, numberOrZero, parseJsonObject } from './json-record.ts';
import { strictSshOptions, withKnownHosts, type PinnedHost } from './known-hosts.ts';
import { withPrivateJsonFile } from './private-json-file.ts';
import { hostKeyMismatch, scanHostKey } from './ssh.ts';
import { runTool, tailLines, type OutputStream } from './process.ts';
import { collectToolEvents } from './tool-events.ts';

/** One step of a playbook run, ready to become a run event (`source: 'ansible'`). */
export interface AnsibleEvent {
  /** e.g. `ansible.task_start`, `ansible.task_ok`, `ansible.task_failed`, `ansible.host_unreachable`, `ansible.stats`, `ansible.log`. */
  kind: `ansible.${string}`;
  level: EventLevel;
  host?: string;
  task?: string;
  message: string;
  data: Record<string, unknown>;
}

export interface AnsiblePlaybookOptions {
  playbook: string;
  /** Inventory file, directory, or a comma-separated host list ending in a comma. */
  inventory: string;
  /**
   * The only host keys ssh may accept in this run: the cluster's pinned keys
   * (written to a per-run known_hosts), or a known_hosts file the caller
   * itself pinned (the lab's). Required, so no run can forget it; an empty
   * list trusts no SSH host at all (local connections still work).
   */
  hostKeys: readonly PinnedHost[] | { knownHostsFile: string };
  limit?: string;
  /** Passed as `-e @file.json` from a 0600 temp file that is deleted afterwards. */
  extraVars?: Record<string, unknown>;
  privateKey?: string;
  user?: string;
  cwd?: string;
  env?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  onEvent?: (event: AnsibleEvent) => void;
  redact?: (s: string) => string;
}

/** A host that failed or was unreachable, as ansible reported it. */
export interface AnsibleHostFailure {
  host: string;
  task: string;
  msg: string;
  unreachable: boolean;
}

export interface AnsibleRunSummary {
  /** Per-host recap from `v2_playbook_on_stats` (ok, changed, failures, unreachable, skipped, rescued, ignored). */
  stats: Record<string, Record<string, number>>;
  durationMs: number;
}

const shortKinds: Record<string, string> = {
  v2_playbook_on_start: 'playbook_start',
  v2_playbook_on_play_start: 'play_start',
  v2_playbook_on_task_start: 'task_start',
  v2_playbook_on_handler_task_start: 'handler_start',
  v2_runner_on_start: 'task_start',
  v2_runner_on_ok: 'task_ok',
  v2_runner_on_failed: 'task_failed',
  v2_runner_on_skipped: 'task_skipped',
  v2_runner_on_unreachable: 'host_unreachable',
  v2_playbook_on_stats: 'stats',
};

/**
 * The `ansible.cfg` next to the playbook, as ANSIBLE_CONFIG. Ansible itself
 * only reads one from the working directory (and ignores it there when the
 * directory is world-writable), so a playbook's own settings (SSH pipelining,
 * ControlPersist: one connection per host instead of several per task) would
 * otherwise silently not apply when Keyturn runs it.
 */
function playbookConfig(playbook: string): Record<string, string> {
  const cfg = join(dirname(playbook), 'ansible.cfg');
  return existsSync(cfg) ? { ANSIBLE_CONFIG: cfg } : {};
}

/**
 * Turns one line of jsonl callback output into an event; anything else
 * (warnings, deprecation notices on stderr) becomes `ansible.log`. Returns
 * null for blank lines. Result events carry exactly one host in this
 * callback; the host's full result is in `data.result`.
 */
export function parseAnsibleLine(line: string, stream: OutputStream = 'stdout'): AnsibleEvent | null {
  const text = line.trim();
  if (text === '') return null;
  const obj = parseJsonObject(text);
  const name = obj?.['_event'];
  if (obj === null || typeof name !== 'string') {
    const level: EventLevel = /^\[?(ERROR|FATAL)/i.test(text) ? 'error' : stream === 'stderr' || /^\[WARNING\]/.test(text) ? 'warn' : 'info';
    return { kind: 'ansible.log', level, message: text, data: { stream } };
  }
  const short = shortKinds[name] ?? name.replace(/^v2_(playbook_on_|runner_on_|runner_)?/, '');
  const timestamp = typeof obj['_timestamp'] === 'string' ? obj['_timestamp'] : undefined;
  const task = asRecord(obj['task']);
  const play = asRecord(obj['play']);
  const taskName = typeof task?.['name'] === 'string' ? task['name'] : undefined;
  const base = { ...(timestamp ? { timestamp } : {}), ...(task ? { taskId: task['id'], taskPath: task['path'] } : {}) };

  if (short === 'stats') {
    const stats = asRecord(obj['stats']) ?? {};
    const bad = Object.values(stats).some((s) => numberOrZero(asRecord(s)?.['failures']) > 0 || numberOrZero(asRecord(s)?.['unreachable']) > 0);
    const recap = Object.entries(stats).map(([h, s]) => `${h} ${Object.entries(asRecord(s) ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
    return { kind: 'ansible.stats', level: bad ? 'error' : 'info', message: `Recap: ${recap.join('; ') || 'no hosts'}`, data: { ...base, stats } };
  }
  if (short === 'play_start') {
    const playName = String(play?.['name'] ?? '');
    return { kind: 'ansible.play_start', level: 'info', message: `Play: ${playName}`, data: { ...base, play: playName, playId: play?.['id'] } };
  }

  const hosts = Object.entries(asRecord(obj['hosts']) ?? {});
  const [host, rawResult] = hosts[0] ?? [];
  const result = asRecord(rawResult) ?? {};
  const event: AnsibleEvent = { kind: `ansible.${short}`, level: 'info', message: '', data: { ...base } };
  if (taskName !== undefined) event.task = taskName;
  if (host !== undefined) event.host = host;

  if (short === 'task_ok' || short === 'task_failed' || short === 'task_skipped' || short === 'host_unreachable') {
    const status = { task_ok: result['changed'] === true ? 'changed' : 'ok', task_failed: 'failed', task_skipped: 'skipping', host_unreachable: 'unreachable' }[short];
    const msg = resultMessage(result, short === 'task_failed' || short === 'host_unreachable');
    event.level = short === 'task_failed' || short === 'host_unreachable' ? 'error' : short === 'task_skipped' ? 'debug' : 'info';
    event.message = `${status}: [${host ?? '?'}] ${taskName ?? ''}${msg ? ` — ${msg}` : ''}`;
    const { invocation: _invocation, ...rest } = result;
    Object.assign(event.data, { action: result['action'], changed: result['changed'] === true, msg: msg || null, result: rest });
    if (hosts.length > 1) event.data['otherHosts'] = hosts.slice(1).map(([h]) => h);
    return event;
  }
  event.message = short === 'task_start' || short === 'handler_start' ? `Task: ${taskName ?? ''}${host ? ` [${host}]` : ''}` : `${name}${taskName ? `: ${taskName}` : ''}`;
  return event;
}

/**
 * Runs a playbook; resolves with the recap when every host succeeded, throws
 * `tool-failed` naming each failed or unreachable host, its task and ansible's
 * message otherwise.
 */
export async function runPlaybook(options: AnsiblePlaybookOptions): Promise<AnsibleRunSummary> {
  const redact = options.redact ?? ((s: string) => s);
  const { events, onLine } = collectToolEvents(parseAnsibleLine, redact, options.onEvent);

  return withKnownHosts(options.hostKeys, async (kh) => {
    const sshArgs = [...strictSshOptions(kh.file), '-C', '-o', 'ControlMaster=auto', '-o', 'ControlPersist=60s', '-o', `ControlPath=${kh.dir}/%C`].join(' ');
    // Extra vars win over every other source of a variable, so these hold whatever the inventory or a play says.
    const hostKeyVars = { ansible_ssh_args: sshArgs, ansible_host_key_checking: true, ansible_ssh_host_key_checking: true };
    const result = await withPrivateJsonFile({ ...options.extraVars, ...hostKeyVars }, { prefix: 'keyturn-ansible-', fileName: 'extra-vars.json' }, async (varsFile) => {
      try {
        return await runTool({
          tool: `ansible-playbook ${options.playbook}`,
          command: 'ansible-playbook',
          args: playbookArgs(options, varsFile!),
          env: {
            ...playbookConfig(options.playbook),
            ...options.env,
            // The environment beats ansible.cfg; the extra vars above beat both and the inventory.
            ANSIBLE_HOST_KEY_CHECKING: 'True',
            ANSIBLE_SSH_HOST_KEY_CHECKING: 'True',
            ANSIBLE_SSH_ARGS: sshArgs,
            ANSIBLE_STDOUT_CALLBACK: 'ansible.posix.jsonl',
            ANSIBLE_FORCE_COLOR: '0',
            ANSIBLE_NOCOLOR: '1',
            ANSIBLE_RETRY_FILES_ENABLED: '0',
          },
          onLine,
          ...(options.cwd ? { cwd: options.cwd } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        });
      } finally {
        await closeControlMasters(kh.dir);
      }
    });

    const statsEvent = [...events].reverse().find((e) => e.kind === 'ansible.stats');
    const stats = (asRecord(statsEvent?.data['stats']) ?? {}) as Record<string, Record<string, number>>;
    if (result.exitCode === 0) return { stats, durationMs: result.durationMs };

    const failures = hostFailures(events, stats);
    await throwIfHostKeyRefused(failures, options.hostKeys);
    const body = failures.length > 0
      ? failures.map((f) => `${f.unreachable ? 'unreachable' : 'failed'}: host ${f.host}, task "${f.task}": ${f.msg}`).join('\n')
      : tailLines(redact(result.stderr.trim() ? result.stderr : result.stdout), 12) || `ansible-playbook exited with code ${result.exitCode}.`;
    throw new KeyturnError(
      'tool-failed',
      `ansible-playbook ${options.playbook} failed:\n${body}`,
      failures.some((f) => f.unreachable)
        ? 'Check that the unreachable hosts are up and accept SSH with the configured key, then run the step again.'
        : 'Fix the cause ansible reports above on the named host, then run the step again; the playbook is safe to repeat.',
      { exitCode: result.exitCode, failures, stats },
    );
  });
}

/**
 * Ends the SSH master connections this run opened (ControlPersist keeps each
 * open 60 s after its last task so the tasks of one run share it). The next
 * run uses a new ControlPath and could never reuse them: left alone they
 * would hold a session on every node for a minute after each playbook, and
 * an sshd being stopped would wait for them.
 */
async function closeControlMasters(dir: string): Promise<void> {
  const sockets = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isSocket());
  await Promise.all(sockets.map((e) =>
    // The host argument is required by ssh's syntax only: with a literal ControlPath, -O talks to that socket.
    execa('ssh', ['-o', `ControlPath=${join(dir, e.name)}`, '-O', 'exit', 'keyturn-control-master'], { reject: false, stdin: 'ignore', timeout: 10_000 })));
}

/** argv for ansible-playbook: `--opt=value` and `--` keep a value or path that starts with '-' from being read as an option. */
export function playbookArgs(options: Pick<AnsiblePlaybookOptions, 'inventory' | 'limit' | 'privateKey' | 'user' | 'playbook'>, varsFile: string): string[] {
  const args = [`--inventory=${options.inventory}`];
  if (options.limit) args.push(`--limit=${options.limit}`);
  if (options.privateKey) args.push(`--private-key=${options.privateKey}`);
  if (options.user) args.push(`--user=${options.user}`);
  args.push(`--extra-vars=@${varsFile}`, '--', options.playbook);
  return args;
}

const HOST_KEY_REFUSED = /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key is known for|key for .* has changed/i;

/**
 * ssh refused a host's key: find out what the host presents now (ssh2, no
 * login) so the error names the node and both fingerprints, not just
 * "Host key verification failed".
 */
async function throwIfHostKeyRefused(failures: readonly AnsibleHostFailure[], hostKeys: AnsiblePlaybookOptions['hostKeys']): Promise<void> {
  const refused = failures.filter((f) => f.unreachable && HOST_KEY_REFUSED.test(f.msg));
  if (refused.length === 0) return;
  const pinned = 'knownHostsFile' in hostKeys ? [] : hostKeys;
  const errors: string[] = [];
  let first: KeyturnError | undefined;
  for (const f of refused) {
    const p = pinned.find((h) => h.node === f.host) ?? pinned.find((h) => h.host === f.host);
    if (!p) {
      errors.push(`${f.host}: ssh refused its host key, and Keyturn has no pinned key for an inventory host of that name`);
      continue;
    }
    const where = `node ${p.node} (${p.host}:${p.port})`;
    const presented = await scanHostKey({ host: p.host, port: p.port, timeoutMs: 5000 }).catch(() => null);
    if (presented && presented.fingerprint !== p.fingerprint) {
      const e = hostKeyMismatch(where, p.host, p.fingerprint, presented);
      first ??= e;
      errors.push(e.message);
    } else {
      errors.push(`Node ${p.node} (${p.host}:${p.port}): ssh refused the host key although ${p.host}:${p.port} presents the pinned ${p.fingerprint}${presented ? '' : ' (or did not answer a scan)'}; the inventory reaches it by a name or port Keyturn did not pin (pinned: ${p.host}, ${p.node} on port ${p.port})`);
    }
  }
  throw new KeyturnError(
    'host-key-mismatch',
    `ansible-playbook stopped before touching the hosts whose key was refused:\n${errors.join('\n')}`,
    first?.hint ?? 'Make the inventory reach each node by the address and port in the cluster spec (or its node name), then run the step again.',
    { failures: refused.map((f) => f.host) },
  );
}

/**
 * Failed/unreachable results that really failed a host. The callback does not
 * say whether a failure was ignored (`ignore_errors`) or rescued, but a host
 * stops at its first real failure, so per host the last N results count,
 * where N is what the recap says; without a recap (run killed) all count.
 */
function hostFailures(events: readonly AnsibleEvent[], stats: Record<string, Record<string, number>>): AnsibleHostFailure[] {
  const haveStats = Object.keys(stats).length > 0;
  const out: AnsibleHostFailure[] = [];
  for (const [kind, statKey] of [['ansible.task_failed', 'failures'], ['ansible.host_unreachable', 'unreachable']] as const) {
    const byHost = new Map<string, AnsibleEvent[]>();
    for (const e of events) {
      if (e.kind === kind && e.host !== undefined) byHost.set(e.host, [...(byHost.get(e.host) ?? []), e]);
    }
    for (const [host, list] of byHost) {
      const counted = haveStats ? list.slice(list.length - Math.min(list.length, numberOrZero(stats[host]?.[statKey]))) : list;
      for (const e of counted) out.push({ host, task: e.task ?? '?', msg: String(e.data['msg'] ?? ''), unreachable: statKey === 'unreachable' });
    }
  }
  return out;
}

/** ansible's `msg`, plus the end of stderr for failed commands where msg is just "non-zero return code". */
function resultMessage(result: Record<string, unknown>, failed: boolean): string {
  const msg = typeof result['msg'] === 'string' ? result['msg'].trim() : result['msg'] === undefined ? '' : JSON.stringify(result['msg']);
  if (!failed) return msg.length > 300 ? `${msg.slice(0, 300)}…` : msg;
  const stderr = typeof result['stderr'] === 'string' ? tailLines(result['stderr'], 3) : '';
  const rc = typeof result['rc'] === 'number' ? ` (rc=${result['rc']})` : '';
  return `${msg || 'failed'}${rc}${stderr ? `: ${stderr.replace(/\n/g, ' | ')}` : ''}`;
}
