/**
 * Terraform adapter: init, apply, destroy and output in one working directory.
 *
 * apply and destroy run with `-json`, whose machine-readable UI stream gives
 * one JSON object per line (plan, per-resource progress, provisioner output,
 * diagnostics). Parsing that instead of the human output is what lets a run
 * show "terraform_data.node1: Creating..." live and name the failing
 * resource when something breaks.
 */
import type { EventLevel } from '../../shared/contract/runs.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { asRecord, numberOrZero, parseJsonObject } from './json-record.ts';
import { withPrivateJsonFile } from './private-json-file.ts';
import { requireSuccess, runTool, tailLines, type OutputStream } from './process.ts';
import { collectToolEvents } from './tool-events.ts';

/** One step of terraform's progress, ready to become a run event (`source: 'terraform'`). */
export interface TerraformEvent {
  /** `terraform.<type>` of the JSON UI (`terraform.apply_complete`), or `terraform.log` for plain lines. */
  kind: `terraform.${string}`;
  level: EventLevel;
  /** Resource address (`terraform_data.x`) when the line is about one resource. */
  resource?: string;
  message: string;
  data: Record<string, unknown>;
}

export type TerraformVarValue = string | number | boolean | readonly unknown[] | Record<string, unknown>;

export interface TerraformOptions {
  /** The working directory holding the configuration and its state. */
  dir: string;
  /** Passed as `-var name=value`; visible in the process list, so not for secrets. */
  vars?: Record<string, TerraformVarValue>;
  /** Written to a private (0600) var file for the duration of the command, so they never appear in argv. */
  secretVars?: Record<string, TerraformVarValue>;
  /** The operator's own var files (`-var-file`), read before the secret ones. */
  varFiles?: readonly string[];
  env?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  onEvent?: (event: TerraformEvent) => void;
  redact?: (s: string) => string;
}

/** What an apply or destroy did, from terraform's own `change_summary`. */
export interface TerraformRunSummary {
  changes: { add: number; change: number; remove: number; import: number } | null;
  durationMs: number;
}

export interface TerraformOutputValue {
  value: unknown;
  type: unknown;
  sensitive: boolean;
}

const TERRAFORM_ENV = { TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
/**
 * Bounds on what is parsed of terraform's output (a configuration is the
 * operator's, and a provisioner can print anything): one UI line is a few
 * hundred bytes, `output -json` of a cluster a few kilobytes.
 */
export const MAX_JSON_LINE_CHARS = 1024 * 1024;
export const MAX_OUTPUT_JSON_CHARS = 16 * 1024 * 1024;
const terraformLevels: Record<string, EventLevel> = { trace: 'debug', debug: 'debug', info: 'info', warn: 'warn', error: 'error' };

/**
 * Turns one line of `terraform ... -json` output into an event; plain text
 * (init's output, warnings on stderr) becomes `terraform.log`. Returns null
 * for blank lines. `*_errored` types are raised to `error`: terraform itself
 * labels them `info`.
 */
export function parseTerraformLine(line: string, stream: OutputStream = 'stdout'): TerraformEvent | null {
  const text = line.trimEnd();
  if (text.trim() === '') return null;
  if (text.length > MAX_JSON_LINE_CHARS) {
    // Not parsed (a provisioner dumping a file, not a UI message): kept as a shortened log line.
    return { kind: 'terraform.log', level: stream === 'stderr' ? 'warn' : 'info', message: `${stripAnsi(text.slice(0, 2000))}... (${text.length} characters, shortened)`, data: { stream, truncated: true } };
  }
  const obj = parseJsonObject(text);
  if (obj === null || typeof obj['@message'] !== 'string') {
    return { kind: 'terraform.log', level: stream === 'stderr' ? 'warn' : 'info', message: stripAnsi(text), data: { stream } };
  }
  const { '@level': rawLevel, '@message': message, '@module': _module, '@timestamp': timestamp, type, ...rest } = obj;
  const kind = typeof type === 'string' && /^[a-z_]+$/.test(type) ? type : 'log';
  let level = terraformLevels[String(rawLevel)] ?? 'info';
  if (kind.endsWith('_errored')) level = 'error';
  const diagnostic = asRecord(rest['diagnostic']);
  if (diagnostic?.['severity'] === 'warning') level = 'warn';
  const resource = addressOf(rest);
  const event: TerraformEvent = { kind: `terraform.${kind}`, level, message: message as string, data: { ...rest, ...(typeof timestamp === 'string' ? { timestamp } : {}) } };
  if (resource !== undefined) event.resource = resource;
  return event;
}

/** Prepares the working directory (providers, modules, backend). Plain text output arrives as `terraform.log` events. */
export async function terraformInit(options: TerraformOptions): Promise<void> {
  const { events, onLine, redact } = collect(options);
  const result = await runTool({ ...toolBase(options, 'terraform init'), args: ['init', '-input=false', '-no-color'], onLine });
  if (result.exitCode !== 0) throw failure('terraform init', options.dir, events, redact(result.stderr));
}

/** Creates or updates everything in the configuration, without asking. */
export function terraformApply(options: TerraformOptions): Promise<TerraformRunSummary> {
  return runJson('apply', options);
}

/** Removes everything the configuration created, without asking. */
export function terraformDestroy(options: TerraformOptions): Promise<TerraformRunSummary> {
  return runJson('destroy', options);
}

/**
 * The root module's outputs. Values are returned unredacted (the lab reads
 * generated credentials from here), so never log the result as is.
 */
export async function terraformOutput(options: Pick<TerraformOptions, 'dir' | 'env' | 'signal' | 'timeoutMs'>): Promise<Record<string, TerraformOutputValue>> {
  const result = await runTool({ ...toolBase(options, 'terraform output'), args: ['output', '-json', '-no-color'] });
  requireSuccess(result, `terraform output in ${options.dir}`);
  if (result.stdout.length > MAX_OUTPUT_JSON_CHARS) {
    throw new KeyturnError('tool-failed', `terraform output in ${options.dir} printed ${result.stdout.length} characters; at most ${MAX_OUTPUT_JSON_CHARS} are read.`, 'Keep large values (files, certificates) out of the root module\'s outputs; Keyturn reads addresses and credentials from there.');
  }
  const parsed = parseJsonObject(result.stdout.trim() || '{}');
  if (parsed === null) {
    throw new KeyturnError('tool-failed', `terraform output in ${options.dir} did not print JSON.`, 'Run `terraform output -json` in that directory to see what it prints.');
  }
  const outputs: Record<string, TerraformOutputValue> = {};
  for (const [name, raw] of Object.entries(parsed)) {
    const o = asRecord(raw) ?? {};
    outputs[name] = { value: o['value'], type: o['type'], sensitive: o['sensitive'] === true };
  }
  return outputs;
}

async function runJson(verb: 'apply' | 'destroy', options: TerraformOptions): Promise<TerraformRunSummary> {
  const { events, onLine, redact } = collect(options);
  const secretVars = options.secretVars && Object.keys(options.secretVars).length > 0 ? options.secretVars : undefined;
  return withPrivateJsonFile(secretVars, { prefix: 'keyturn-tfvars-', fileName: 'secret.tfvars.json' }, async (varFile) => {
    const args = [verb, '-auto-approve', '-input=false', '-json', ...varArgs(options.vars), ...(options.varFiles ?? []).map((f) => `-var-file=${f}`)];
    if (varFile !== undefined) args.push(`-var-file=${varFile}`);
    const result = await runTool({ ...toolBase(options, `terraform ${verb}`), args, onLine });
    if (result.exitCode !== 0) throw failure(`terraform ${verb}`, options.dir, events, redact(result.stderr));
    const summary = [...events].reverse().find((e) => e.kind === 'terraform.change_summary');
    const changes = asRecord(summary?.data['changes']);
    return {
      changes: changes ? { add: numberOrZero(changes['add']), change: numberOrZero(changes['change']), remove: numberOrZero(changes['remove']), import: numberOrZero(changes['import']) } : null,
      durationMs: result.durationMs,
    };
  });
}

function toolBase(options: Pick<TerraformOptions, 'dir' | 'env' | 'signal' | 'timeoutMs'>, tool: string) {
  return {
    tool,
    command: 'terraform',
    cwd: options.dir,
    env: { ...options.env, ...TERRAFORM_ENV },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
}

/** The events of one terraform command (parsed raw, then redacted), and the redactor its error message uses. */
function collect(options: TerraformOptions) {
  const redact = options.redact ?? ((s: string) => s);
  return { ...collectToolEvents(parseTerraformLine, redact, options.onEvent), redact };
}

function varArgs(vars: TerraformOptions['vars']): string[] {
  return Object.entries(vars ?? {}).flatMap(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
      throw new KeyturnError('invalid-input', `"${name}" is not a valid Terraform variable name.`, 'Use letters, digits, underscores and dashes, starting with a letter or underscore.');
    }
    return ['-var', `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`];
  });
}

/** Builds the error for a failed apply/destroy from terraform's diagnostics (already redacted), else from stderr. */
function failure(what: string, dir: string, events: readonly TerraformEvent[], stderr: string): KeyturnError {
  const diagnostics = events
    .filter((e) => e.kind === 'terraform.diagnostic' && e.level === 'error')
    .map((e) => {
      const d = asRecord(e.data['diagnostic']) ?? {};
      const where = e.resource ? ` (${e.resource})` : '';
      const detail = typeof d['detail'] === 'string' && d['detail'].trim() ? `: ${d['detail'].trim()}` : '';
      return `${String(d['summary'] ?? e.message)}${where}${detail}`;
    });
  const errored = events.filter((e) => e.kind === 'terraform.apply_errored' || e.kind === 'terraform.provision_errored').map((e) => e.resource);
  const body = diagnostics.length > 0 ? diagnostics.join('\n') : tailLines(stderr, 12) || 'terraform printed no diagnostic.';
  return new KeyturnError(
    'tool-failed',
    `${what} failed in ${dir}:\n${body}`,
    'Fix the cause above and run it again: terraform keeps its state, so the next run continues from what already exists.',
    { diagnostics, failedResources: [...new Set(errored.filter((r): r is string => r !== undefined))] },
  );
}

function addressOf(obj: Record<string, unknown>): string | undefined {
  for (const key of ['hook', 'change']) {
    const addr = asRecord(asRecord(obj[key])?.['resource'])?.['addr'];
    if (typeof addr === 'string') return addr;
  }
  const diagAddr = asRecord(obj['diagnostic'])?.['address'];
  return typeof diagAddr === 'string' ? diagAddr : undefined;
}

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}
