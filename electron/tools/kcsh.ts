/**
 * `kc.sh update-compatibility`: metadata of the running deployment and the
 * check of a target against it.
 *
 * - `localMetadata` and `checkCompatibility` run a scratch copy's kc.sh
 *   (never a live installation: without `--optimized` the command rebuilds
 *   the installation it runs from).
 * - `remoteMetadata` runs a live node's own kc.sh over SSH with
 *   `--optimized`, so it reads the node's build and never rebuilds it; a
 *   build option that differs from the node's build makes kc.sh exit 2,
 *   which is how drift between the ledger and the node shows up.
 * Options go on the command line (`--key=value`); secret options only as
 * environment variables (`KC_DB_PASSWORD`), over SSH through stdin, and are
 * redacted from every line of output.
 *
 * Measured here (2 slow cores, Temurin 25): metadata or check that rebuilds
 * ~30-45 s; warm check ~2-3 s; `--optimized` metadata ~2-4 s.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { verdictFor, describeExitCode } from '../../shared/domain/compatibility.ts';
import { toKcArgs } from '../../shared/domain/start-options.ts';
import type { Verdict } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { runTool, tailLines, type OutputStream } from './process.ts';
import { createRedactor } from './redact.ts';
import type { SshSession } from './ssh.ts';

/** A local run may rebuild the scratch copy (~45 s here); 5 min bounds a loaded host without hanging a plan. */
export const LOCAL_TIMEOUT_MS = 5 * 60_000;
/** `--optimized` never builds (~3 s here); 2 min allows for a node busy serving traffic. */
export const REMOTE_TIMEOUT_MS = 2 * 60_000;
/** Metadata is a few kilobytes of JSON. */
export const MAX_METADATA_CHARS = 4 * 1024 * 1024;

export interface KcshRunOptions {
  /** JDK >= 21 for kc.sh (`findJdk(21)` locally, the cluster's javaHome on a node). */
  javaHome?: string | undefined;
  /** Every non-secret start option, without dashes. */
  options: Readonly<Record<string, string>>;
  /** Secret options as Keycloak's environment variables (`KC_DB_PASSWORD`): never argv, never logged. */
  secretEnv?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
  timeoutMs?: number;
  onLine?: (stream: OutputStream, line: string) => void;
}

export interface KcshOutcome {
  exitCode: number;
  /** stdout then stderr, secrets redacted. */
  output: string;
  durationMs: number;
  /** kc.sh rebuilt the installation before answering (options differed from its last build). */
  rebuilt: boolean;
  /** The command as run (secrets appear only as variable names in `env`). */
  command: string[];
}

export interface CheckOutcome extends KcshOutcome {
  verdict: Verdict;
}

export interface MetadataOutcome extends KcshOutcome {
  /** The metadata document as kc.sh wrote it. */
  json: string;
}

/** JVM flag for Keyturn's own kc.sh runs: no C2 compilation, which a run of seconds never pays back. */
const C1_ONLY = '-XX:TieredStopAtLevel=1';

const REBUILD_RE = /Updating the server image|Server configuration updated and persisted/;

/** The one redactor (secret values, short ones as whole tokens, and the secret patterns): kc.sh output goes into plans in the ledger. */
const redactor = (secrets: readonly string[]) => createRedactor(secrets);

/** Keycloak reads every KC_* variable as an option: the operator's own must not leak into the answer. */
function cleanEnv(opts: KcshRunOptions): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const k of Object.keys(process.env)) if (k.startsWith('KC_')) env[k] = undefined;
  if (opts.javaHome) env.JAVA_HOME = opts.javaHome;
  // A check is a short-lived JVM (and may re-augment the scratch copy): the C1 compiler alone finishes it sooner.
  env.JAVA_OPTS_APPEND = C1_ONLY;
  return { ...env, ...opts.secretEnv };
}

function displayCommand(kcsh: string, args: readonly string[], opts: KcshRunOptions): string[] {
  return [...Object.keys(opts.secretEnv ?? {}).map((k) => `${k}=***`), kcsh, ...args];
}

async function runLocal(kcHome: string, args: string[], opts: KcshRunOptions): Promise<KcshOutcome> {
  const kcsh = join(kcHome, 'bin', 'kc.sh');
  const redact = redactor(Object.values(opts.secretEnv ?? {}));
  const r = await runTool({
    tool: `kc.sh ${args.slice(0, 2).join(' ')}`,
    command: kcsh,
    args,
    cwd: kcHome,
    env: cleanEnv(opts),
    timeoutMs: opts.timeoutMs ?? LOCAL_TIMEOUT_MS,
    killGraceMs: 5_000,
    redact,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onLine ? { onLine: opts.onLine } : {}),
  });
  const output = [r.stdout.trim(), r.stderr.trim()].filter(Boolean).join('\n');
  return { exitCode: r.exitCode, output, durationMs: r.durationMs, rebuilt: REBUILD_RE.test(output), command: displayCommand(kcsh, args, opts) };
}

/** The error for a metadata run that did not produce metadata, quoting kc.sh. */
function metadataFailed(where: string, r: KcshOutcome, hint: string): KeyturnError {
  return new KeyturnError(
    'tool-failed',
    `kc.sh update-compatibility metadata on ${where} exited ${r.exitCode} (${describeExitCode(r.exitCode)}):\n${tailLines(r.output, 15)}`,
    hint,
    { exitCode: r.exitCode, output: r.output },
  );
}

/** Checks that a metadata document is JSON describing `version`. */
export function validateMetadata(json: string, version: string, where: string): void {
  // kc.sh writes a few kilobytes; a node printing more is not answering the metadata command (it is stored in the ledger, so bounded).
  if (json.length > MAX_METADATA_CHARS) {
    throw new KeyturnError('tool-failed', `kc.sh on ${where} wrote ${json.length} characters of metadata; at most ${MAX_METADATA_CHARS} are accepted.`, "Check that keycloakHome points at Keycloak's own kc.sh on that host.");
  }
  let doc: { keycloak?: { version?: unknown } } | null;
  try {
    doc = JSON.parse(json) as typeof doc;
  } catch {
    throw new KeyturnError('tool-failed', `kc.sh on ${where} wrote metadata that is not JSON.`, 'Run the metadata command again; if it persists, check the disk of that host.');
  }
  const found = typeof doc === 'object' && doc !== null ? doc.keycloak?.version : undefined;
  if (found !== version) {
    throw new KeyturnError('tool-failed', `The metadata from ${where} describes Keycloak ${String(found)}, not ${version}.`, `The installation there is not ${version}: update the cluster's version in Keyturn, or capture metadata from a node that runs ${version}.`);
  }
}

/**
 * Metadata computed from a scratch copy of the running version, with the
 * cluster's recorded options (the path when no node is reachable). Writes
 * `file`; throws `tool-failed` with kc.sh's output on a non-zero exit.
 */
export async function localMetadata(kcHome: string, version: string, file: string, opts: KcshRunOptions): Promise<MetadataOutcome> {
  await rm(file, { force: true });
  const r = await runLocal(kcHome, ['update-compatibility', 'metadata', `--file=${file}`, ...toKcArgs(opts.options)], opts);
  if (r.exitCode !== 0) throw metadataFailed(`the scratch copy of ${version}`, r, "Correct the cluster's recorded options (kc.sh names the one it refuses), then plan again.");
  const json = await readFile(file, 'utf8');
  validateMetadata(json, version, `the scratch copy of ${version}`);
  return { ...r, json };
}

/**
 * The check of a target: the target version's kc.sh (a scratch copy) with
 * the complete target options against `metadataFile`. Never throws for an
 * exit code: 0/3/4 are verdicts, 1/2 are `error` with kc.sh's output, to be
 * shown, not mapped to a strategy. Throws only when kc.sh could not run
 * (`tool-missing`, `timeout`, `aborted`).
 */
export async function checkCompatibility(kcHome: string, metadataFile: string, opts: KcshRunOptions): Promise<CheckOutcome> {
  const r = await runLocal(kcHome, ['update-compatibility', 'check', `--file=${metadataFile}`, ...toKcArgs(opts.options)], opts);
  return { ...r, verdict: verdictFor(r.exitCode) };
}

/*
 * Runs kc.sh on the node with secrets read from stdin into its environment,
 * kc.sh's own output on stderr (streamed), and the metadata file on stdout.
 * $1 = number of secret variables, then their names, then the command.
 */
const REMOTE_SCRIPT = `set -u
f=$(mktemp "\${TMPDIR:-/tmp}/keyturn-metadata.XXXXXX") || exit 1
trap 'rm -f "$f"' EXIT
n=$1; shift
while [ "$n" -gt 0 ]; do
  name=$1; shift
  IFS= read -r value || value=
  export "$name=$value"
  n=$((n - 1))
done
"$@" "--file=$f" 1>&2
rc=$?
if [ "$rc" -eq 0 ]; then cat "$f"; fi
exit "$rc"`;

/**
 * Metadata from a live node: its own kc.sh with `--optimized` (reads the
 * node's build, never rebuilds it) and the node's complete start options.
 * Throws `tool-failed` with kc.sh's output on a non-zero exit (exit 2 with
 * "build time options ... differ" means the node was built with other options
 * than the ledger records).
 */
export async function remoteMetadata(session: SshSession, kcHome: string, version: string, opts: KcshRunOptions): Promise<MetadataOutcome> {
  const secretEnv = opts.secretEnv ?? {};
  const names = Object.keys(secretEnv);
  const values = Object.values(secretEnv);
  if (values.some((v) => /[\r\n]/.test(v))) throw new KeyturnError('invalid-input', 'A secret option spans several lines.', 'A Keycloak option value is one line.');
  const kcsh = `${kcHome.replace(/\/+$/, '')}/bin/kc.sh`;
  const args = ['update-compatibility', 'metadata', '--optimized', ...toKcArgs(opts.options)];
  const javaEnv = opts.javaHome ? [`JAVA_HOME=${opts.javaHome}`] : [];
  const argv = ['sh', '-c', REMOTE_SCRIPT, 'keyturn-metadata', String(names.length), ...names, 'env', ...javaEnv, kcsh, ...args];
  const redact = redactor(values);
  const where = `${session.user}@${session.host}`;
  const started = performance.now();
  const r = await session.exec(argv, {
    stdin: values.map((v) => `${v}\n`).join(''),
    timeoutMs: opts.timeoutMs ?? REMOTE_TIMEOUT_MS,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onLine ? { onLine: (line: string, stream: OutputStream) => { if (stream === 'stderr') opts.onLine!(stream, redact(line)); } } : {}),
  });
  const exitCode = r.exitCode ?? -1;
  const output = redact(r.stderr.trim());
  const outcome: KcshOutcome = { exitCode, output, durationMs: Math.round(performance.now() - started), rebuilt: REBUILD_RE.test(output), command: [...names.map((k) => `${k}=***`), kcsh, ...args] };
  if (exitCode !== 0) {
    const hint = exitCode === 127 || /not found|No such file/.test(output)
      ? `Check keycloakHome of this node in the cluster spec (${kcHome}) and its javaHome.`
      : exitCode === 2 && /build time options/i.test(output)
        ? "The node was built with other build options than Keyturn's ledger records: correct the cluster's options in Keyturn (or redeploy the node), then capture metadata again."
        : 'Read kc.sh\'s output above; fix the option it names in the cluster spec, then capture metadata again.';
    throw metadataFailed(where, outcome, hint);
  }
  const json = r.stdout.trim();
  validateMetadata(json, version, where);
  return { ...outcome, json };
}
