/**
 * One colour of a cluster, built from the cluster's own Terraform.
 *
 * Blue/green creates green the way blue was created: the same configuration,
 * applied a second time in a workspace named after the colour, with one
 * variable saying which colour it builds. Keyturn then reads green's nodes,
 * database and load balancer from outputs the customer adds to their module
 * (docs/blue-green-terraform.md). Every command names its workspace through
 * `TF_WORKSPACE` (workspaceEnv), never by selecting it, so two colours can be
 * worked on at once and the operator's own selection is left alone.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { KeyturnError } from '../../shared/errors.ts';
import { terraformApply, terraformDestroy, terraformOutput, type TerraformOptions, type TerraformOutputValue, type TerraformRunSummary } from './terraform.ts';
import { checkWorkspaceName, deleteWorkspace, listWorkspaces, selectOrCreateWorkspace, workspaceEnv } from './terraform-workspace.ts';

/** What every colour command needs: where the configuration is, which colour, and the variable that names it. */
export interface ColourOptions extends Omit<TerraformOptions, 'env'> {
  colour: string;
  /** The module's variable naming the colour; `colour` unless the customer's module calls it otherwise. */
  variable?: string;
}

/** A colour as its Terraform outputs describe it; the engine turns it into the ledger's ColourDeployment (shared/contract/colours.ts) once it wrote the inventory and pinned the host keys. */
export interface ColourOutputs {
  colour: string;
  workspace: string;
  nodes: { name: string; address: string; sshPort: number; keycloakHome?: string }[];
  database: { address: string; port: number; name: string; user: string };
  loadBalancer: { address: string; port: number; runtimeApi: string; backend: string; freezeAclFile?: string };
  /** YAML or INI text, ready for `ansible-playbook -i`. */
  ansibleInventory: string;
  /** The SSH key the inventory gives every host (ansible_ssh_private_key_file), so Keyturn's own SSH uses what Ansible uses; absent when the hosts name none or different ones. */
  keyPath?: string;
}

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const port = z.number().int().min(1).max(65535);
const text = z.string().min(1);

/**
 * The outputs Keyturn reads, with what a module must declare for each. Extra
 * fields are allowed: the lab's outputs carry more (node roots, URLs).
 */
const outputContract = {
  colour: { schema: text, example: 'output "colour" { value = var.colour }' },
  nodes: {
    schema: z.array(z.object({ name: text, address: text, ssh_port: port, keycloak_home: text.optional() })).min(1),
    example: 'output "nodes" { value = [for i, vm in <your VMs> : { name = ..., address = vm.private_ip, ssh_port = 22 }] }',
  },
  postgres: {
    schema: z.object({ host: text, port, database: text, username: text }),
    example: 'output "postgres" { value = { host = ..., port = 5432, database = "keycloak", username = "keycloak" } }',
  },
  haproxy: {
    schema: z.object({ address: text, port, admin_socket: text, backend: text, freeze_acl_file: z.string().regex(/^\/[A-Za-z0-9_./-]+$/, 'must be the write freeze ACL file as haproxy.cfg names it (an absolute path)').optional() }),
    example: 'output "haproxy" { value = { address = ..., port = 443, admin_socket = "/run/haproxy/admin.sock" (or "host:port"), backend = "keycloak", freeze_acl_file = "/etc/haproxy/keyturn-freeze.acl" (optional: the write freeze) } }',
  },
  ansible_inventory: { schema: text, example: 'output "ansible_inventory" { value = yamlencode({ all = { children = { keycloak = { hosts = ... } } } }) }' },
} as const;

/** The names of the outputs a module must declare for blue/green, in the order the docs list them. */
export const colourOutputNames = Object.keys(outputContract) as (keyof typeof outputContract)[];

/** Checks colour and variable name before anything runs; returns the `-var` and the environment for that colour. */
export function colourArgs(colour: string, variable = 'colour'): { vars: Record<string, string>; env: { TF_WORKSPACE: string } } {
  if (!VARIABLE.test(variable)) {
    throw new KeyturnError('invalid-input', `"${variable}" is not a Terraform variable name.`, 'Give the name of the variable your module declares for the colour, e.g. "colour" (letters, digits, "_" and "-", starting with a letter or "_").');
  }
  checkWorkspaceName(colour);
  if (colour === 'default') {
    throw new KeyturnError('invalid-input', 'A colour cannot be called "default": that is the workspace Terraform starts with.', 'Name colours "blue" and "green" (or your own names), one workspace each.');
  }
  return { vars: { [variable]: colour }, env: workspaceEnv(colour) };
}

type ToolOpts = Pick<TerraformOptions, 'dir' | 'signal' | 'timeoutMs' | 'onEvent' | 'redact'>;
const toolOpts = (o: ColourOptions): ToolOpts => ({
  dir: o.dir,
  ...(o.signal ? { signal: o.signal } : {}),
  ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
  ...(o.onEvent ? { onEvent: o.onEvent } : {}),
  ...(o.redact ? { redact: o.redact } : {}),
});

/**
 * Makes sure the colour's workspace exists, without leaving it selected:
 * creating one selects it in Terraform, so the previous selection is put back.
 */
export async function ensureColourWorkspace(options: ColourOptions): Promise<{ created: boolean }> {
  colourArgs(options.colour, options.variable);
  const { current, workspaces } = await listWorkspaces(toolOpts(options));
  if (workspaces.includes(options.colour)) return { created: false };
  await selectOrCreateWorkspace(toolOpts(options), options.colour);
  await selectOrCreateWorkspace(toolOpts(options), current);
  return { created: true };
}

/** Builds (or converges) one colour: its workspace, then apply with `-var <variable>=<colour>`, then its outputs. */
export async function applyColour(options: ColourOptions): Promise<{ summary: TerraformRunSummary; deployment: ColourOutputs }> {
  const { vars, env } = colourArgs(options.colour, options.variable);
  await ensureColourWorkspace(options);
  const { colour: _colour, variable: _variable, ...terraform } = options;
  const summary = await terraformApply({ ...terraform, vars: { ...options.vars, ...vars }, env });
  return { summary, deployment: await readColour(options) };
}

/** Reads and checks one colour's outputs; a missing or malformed output says what to add to the module. */
export async function readColour(options: Pick<ColourOptions, 'dir' | 'colour' | 'variable' | 'signal' | 'timeoutMs'>): Promise<ColourOutputs> {
  const { env } = colourArgs(options.colour, options.variable);
  const raw = await terraformOutput({ dir: options.dir, env, ...(options.signal ? { signal: options.signal } : {}), ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
  return parseColourOutputs(raw, options.colour, options.dir);
}

/** Validates `terraform output -json` of one colour's workspace against the blue/green output contract. */
export function parseColourOutputs(raw: Record<string, TerraformOutputValue>, colour: string, dir: string): ColourOutputs {
  const missing = colourOutputNames.filter((name) => raw[name] === undefined);
  if (missing.length > 0) {
    const nothing = Object.keys(raw).length === 0;
    throw new KeyturnError(
      'invalid-input',
      nothing
        ? `Terraform workspace "${colour}" in ${dir} has no outputs: either nothing is built for ${colour} yet, or the module declares none of ${missing.join(', ')}.`
        : `Terraform workspace "${colour}" in ${dir} has no output ${missing.map((m) => `"${m}"`).join(', ')}, which Keyturn reads for blue/green.`,
      `Add to your root module: ${missing.map((m) => outputContract[m].example).join('; ')}. See docs/blue-green-terraform.md.`,
      { missing },
    );
  }
  const value = <K extends keyof typeof outputContract>(name: K): z.infer<(typeof outputContract)[K]['schema']> => {
    const parsed = outputContract[name].schema.safeParse(raw[name]!.value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${[name, ...i.path].join('.')}: ${i.message}`);
      throw new KeyturnError('invalid-input', `Output "${name}" of Terraform workspace "${colour}" in ${dir} does not have the shape Keyturn reads: ${issues.join('; ')}.`, `Declare it like: ${outputContract[name].example}. See docs/blue-green-terraform.md.`, { output: name, issues });
    }
    return parsed.data as z.infer<(typeof outputContract)[K]['schema']>;
  };
  const reported = value('colour');
  if (reported !== colour) {
    throw new KeyturnError('conflict', `Terraform workspace "${colour}" in ${dir} reports colour "${reported}".`, `The module must pass the colour variable through: output "colour" { value = var.<variable> }, and the workspace "${colour}" must have been applied with that variable set to "${colour}".`);
  }
  const db = value('postgres');
  const lb = value('haproxy');
  const inventory = value('ansible_inventory');
  const keyPath = inventoryKeyPath(inventory);
  return {
    colour,
    workspace: colour,
    nodes: value('nodes').map((n) => ({ name: n.name, address: n.address, sshPort: n.ssh_port, ...(n.keycloak_home ? { keycloakHome: n.keycloak_home } : {}) })),
    database: { address: db.host, port: db.port, name: db.database, user: db.username },
    loadBalancer: { address: lb.address, port: lb.port, runtimeApi: lb.admin_socket, backend: lb.backend, ...(lb.freeze_acl_file ? { freezeAclFile: lb.freeze_acl_file } : {}) },
    ansibleInventory: inventory,
    ...(keyPath ? { keyPath } : {}),
  };
}

/**
 * The one private key a YAML inventory gives its hosts, wherever they sit in
 * its groups; undefined for INI text, no key, or different keys per host.
 */
export function inventoryKeyPath(inventory: string): string | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(inventory);
  } catch {
    return undefined;
  }
  const keys = new Set<string>();
  const walk = (group: unknown): void => {
    if (!group || typeof group !== 'object') return;
    const g = group as { hosts?: Record<string, unknown>; vars?: Record<string, unknown>; children?: Record<string, unknown> };
    const groupKey = g.vars?.['ansible_ssh_private_key_file'];
    for (const host of Object.values(g.hosts ?? {})) {
      const k = (host as Record<string, unknown> | null)?.['ansible_ssh_private_key_file'] ?? groupKey;
      if (typeof k === 'string') keys.add(k);
    }
    for (const child of Object.values(g.children ?? {})) walk(child);
  };
  walk((doc as { all?: unknown } | null)?.all);
  return keys.size === 1 ? [...keys][0] : undefined;
}

/**
 * Destroys one colour: everything its workspace tracks, then the (empty)
 * workspace itself. Nothing to do when the workspace does not exist.
 */
export async function destroyColour(options: ColourOptions): Promise<{ destroyed: boolean; summary: TerraformRunSummary | null }> {
  const { vars, env } = colourArgs(options.colour, options.variable);
  const { workspaces } = await listWorkspaces(toolOpts(options));
  if (!workspaces.includes(options.colour)) return { destroyed: false, summary: null };
  const { colour: _colour, variable: _variable, ...terraform } = options;
  const summary = await terraformDestroy({ ...terraform, vars: { ...options.vars, ...vars }, env });
  await deleteWorkspace(toolOpts(options), options.colour);
  return { destroyed: true, summary };
}
