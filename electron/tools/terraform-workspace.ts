/**
 * Terraform workspaces, one per colour: blue/green applies the cluster's own
 * configuration a second time, with its own state, for the other colour.
 *
 * Why workspaces and not a copy of the directory: the customer keeps one
 * module and one backend; each colour's state sits beside the other's
 * (`terraform.tfstate.d/<name>` locally, a key prefix remotely), so a destroy
 * of one colour can never touch the other's resources.
 *
 * Selection: `selectOrCreateWorkspace` writes the directory's selected
 * workspace, which two commands running at once would fight over. So the
 * commands that act on one colour (apply, output, destroy in terraform.ts)
 * should get `workspaceEnv(name)` as their `env` instead: `TF_WORKSPACE`
 * picks the workspace for that one process. The local backend would create a
 * misspelt one silently, so ensure it exists with `selectOrCreateWorkspace`
 * (or `listWorkspaces`) first.
 */
import { KeyturnError } from '../../shared/errors.ts';
import { runTool, tailLines, type ToolResult } from './process.ts';
import { parseTerraformLine, type TerraformOptions } from './terraform.ts';
import { collectToolEvents } from './tool-events.ts';

export type WorkspaceOptions = Pick<TerraformOptions, 'dir' | 'env' | 'signal' | 'timeoutMs' | 'onEvent' | 'redact'>;

/** The workspaces of a working directory, and the one selected there. */
export interface WorkspaceList {
  current: string;
  workspaces: string[];
}

/**
 * Letters, digits, `_` and `-`, starting with a letter or digit: safe as a
 * path segment and a remote state key, never read as an option. Terraform
 * itself allows more; Keyturn names colours and needs no more.
 */
const WORKSPACE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,89}$/;

/** Returns `name` when it is a workspace name Keyturn will pass to terraform, else throws invalid-input. */
export function checkWorkspaceName(name: string): string {
  if (!WORKSPACE.test(name)) {
    throw new KeyturnError('invalid-input', `"${name}" is not a valid Terraform workspace name.`, 'Use letters, digits, "_" and "-" (at most 90), starting with a letter or digit, e.g. "blue" or "prod-green".');
  }
  return name;
}

/** The environment that makes one terraform command act on workspace `name` without changing the directory's selection. */
export function workspaceEnv(name: string): { TF_WORKSPACE: string } {
  return { TF_WORKSPACE: checkWorkspaceName(name) };
}

// As in terraform.ts; TF_WORKSPACE is cleared because `workspace select` and `delete` refuse to run under it.
const WORKSPACE_COMMAND_ENV = { TF_IN_AUTOMATION: '1', TF_INPUT: '0', TF_WORKSPACE: undefined };

async function workspaceCommand(options: WorkspaceOptions, args: string[]): Promise<ToolResult> {
  const redact = options.redact ?? ((s: string) => s);
  const { onLine } = collectToolEvents(parseTerraformLine, redact, options.onEvent);
  return runTool({
    tool: `terraform workspace ${args[0]}`,
    command: 'terraform',
    args: ['workspace', ...args],
    cwd: options.dir,
    env: { ...options.env, ...WORKSPACE_COMMAND_ENV },
    onLine,
    redact,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}

function failed(what: string, dir: string, result: ToolResult, hint: string, code: 'tool-failed' | 'conflict' = 'tool-failed'): KeyturnError {
  // terraform prints a warning about a missing ~/.terraformrc on every run; it explains nothing here.
  const text = (result.stderr.trim() ? result.stderr : result.stdout).replace(/There are some problems with the CLI configuration:[\s\S]*?does not exist\.\s*╵/g, '');
  return new KeyturnError(code, `${what} in ${dir} failed (exit code ${result.exitCode}):\n${tailLines(text, 12) || 'terraform printed nothing.'}`, hint, { exitCode: result.exitCode });
}

/** Lists the directory's workspaces (`default` included) and which one is selected. */
export async function listWorkspaces(options: WorkspaceOptions): Promise<WorkspaceList> {
  const result = await workspaceCommand(options, ['list', '-no-color']);
  if (result.exitCode !== 0) throw failed('terraform workspace list', options.dir, result, 'Run `terraform init` in that directory first; the backend must be reachable.');
  let current = 'default';
  const workspaces: string[] = [];
  for (const line of result.stdout.split('\n')) {
    const m = /^([* ]) (\S+)\s*$/.exec(line);
    if (!m) continue;
    workspaces.push(m[2]!);
    if (m[1] === '*') current = m[2]!;
  }
  return { current, workspaces };
}

/**
 * Selects workspace `name`, creating it (empty) when absent
 * (`terraform workspace select -or-create`, Terraform 1.4+). Running it again
 * converges: the second call selects what the first created.
 */
export async function selectOrCreateWorkspace(options: WorkspaceOptions, name: string): Promise<{ workspace: string; created: boolean }> {
  checkWorkspaceName(name);
  const result = await workspaceCommand(options, ['select', '-or-create=true', '-no-color', '--', name]);
  if (result.exitCode !== 0) {
    const old = /flag provided but not defined: -or-create/.test(result.stderr);
    throw failed(`terraform workspace select -or-create ${name}`, options.dir, result, old ? 'This needs Terraform 1.4 or newer: upgrade terraform.' : 'Run `terraform init` in that directory first; the backend must be reachable and support workspaces.');
  }
  return { workspace: name, created: /Created and switched to workspace/.test(result.stdout) };
}

/**
 * Deletes workspace `name`. Terraform refuses while its state still tracks
 * resources: destroy them first, or pass `force` to forget them (they keep
 * running, untracked). If it is the selected workspace, `default` is selected
 * first. Absent already: nothing to do, `deleted: false`.
 */
export async function deleteWorkspace(options: WorkspaceOptions, name: string, { force = false }: { force?: boolean } = {}): Promise<{ deleted: boolean }> {
  checkWorkspaceName(name);
  if (name === 'default') {
    throw new KeyturnError('invalid-input', 'The "default" Terraform workspace cannot be deleted.', 'Delete the colour workspaces (e.g. "green"); "default" always exists.');
  }
  const { current, workspaces } = await listWorkspaces(options);
  if (!workspaces.includes(name)) return { deleted: false };
  if (current === name) await selectOrCreateWorkspace(options, 'default');
  const result = await workspaceCommand(options, ['delete', ...(force ? ['-force'] : []), '-no-color', '--', name]);
  if (result.exitCode !== 0) {
    if (/Workspace is not empty/.test(result.stderr)) {
      throw failed(`terraform workspace delete ${name}`, options.dir, result, `Destroy workspace "${name}" first (terraform destroy with TF_WORKSPACE=${name}); delete with force only to forget resources that are already gone.`, 'conflict');
    }
    throw failed(`terraform workspace delete ${name}`, options.dir, result, 'Read terraform\'s message above; the workspace is left as it was.');
  }
  return { deleted: true };
}
