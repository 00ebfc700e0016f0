/**
 * The lab's Terraform root module. Keyturn writes a small root module in the
 * lab directory that calls the shipped module (`resources/lab/terraform`)
 * by path, so state lives with the lab and the shipped files stay read-only,
 * the way a customer's own root module would call theirs.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { terraformOutput, type TerraformOutputValue } from '../tools/terraform.ts';
import type { LabPaths } from './lab-paths.ts';

/** Outputs of the lab module that Keyturn reads back (`colour` and the blue/green ones among them, see docs/blue-green-terraform.md). */
export const labOutputs = ['colour', 'nodes', 'ssh', 'ansible_inventory', 'ansible_extra_vars', 'keycloak_options', 'postgres', 'haproxy', 'dns', 'public_url'] as const;

/** The root module's variable naming the colour: blue/green applies the lab a second time with `-var colour=green` in workspace `green`. */
export const labColourVariable = 'colour';

/** Colours the lab module builds, in the order `lab down` destroys their workspaces (green before blue). */
export const labColours = ['green', 'blue'] as const;

/** Outputs that carry the database password (a sensitive variable) must be marked so in the root module. */
const sensitiveOutputs = new Set(['keycloak_options', 'ansible_extra_vars', 'postgres']);

export interface LabModuleVars {
  nodeCount: number;
  sshUser: string;
}

/** True when every directory from `/` down to `dir` is searchable by other users. */
function othersCanTraverse(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === dirname(d)) return true;
  }
}

/**
 * PostgreSQL refuses to run as root, so the lab runs it as the `postgres` OS
 * user, who must be able to reach its data directory. Under a private home
 * (/root, a 0700 temp dir) the data goes to a per-lab directory in /var/tmp
 * instead of loosening the operator's own directory permissions.
 */
export function postgresDataDir(paths: LabPaths): string {
  mkdirSync(paths.stateDir, { recursive: true });
  if (othersCanTraverse(paths.stateDir)) return '';
  const tag = createHash('sha256').update(paths.stateDir).digest('hex').slice(0, 12);
  return `/var/tmp/keyturn-lab-${tag}/data`;
}

/**
 * Writes `main.tf.json` (module call + re-exported outputs). Secrets go in as
 * terraform variables from a 0600 var file. The colour is a root variable
 * (default blue, the lab `lab up` builds in the default workspace) so the same
 * root module builds green in its own workspace, as a customer's would.
 */
export function writeRootModule(paths: LabPaths, vars: LabModuleVars): void {
  mkdirSync(paths.terraformDir, { recursive: true });
  const root = {
    variable: {
      db_password: { type: 'string', sensitive: true },
      [labColourVariable]: { type: 'string', default: 'blue', description: 'Which colour this workspace builds: "blue" or "green" (blue/green upgrades).' },
    },
    module: {
      lab: {
        // A local module must be a ./ or ../ path (an absolute one would be copied, losing ../scripts).
        source: relative(paths.terraformDir, join(paths.resources, 'terraform')),
        state_dir: paths.stateDir,
        node_count: vars.nodeCount,
        ssh_user: vars.sshUser,
        db_password: '${var.db_password}',
        postgres_data_dir: postgresDataDir(paths),
        colour: `\${var.${labColourVariable}}`,
      },
    },
    output: Object.fromEntries(labOutputs.map((o) => [o, { value: `\${module.lab.${o}}`, ...(sensitiveOutputs.has(o) ? { sensitive: true } : {}) }])),
  };
  writeFileSync(join(paths.terraformDir, 'main.tf.json'), `${JSON.stringify(root, null, 2)}\n`);
}

export interface LabNodeOutput {
  name: string;
  address: string;
  ssh_port: number;
  node_root: string;
  http_url: string;
  management_url: string;
}

export interface LabOutputs {
  colour: 'blue' | 'green';
  nodes: LabNodeOutput[];
  ssh: { user: string; private_key_file: string; known_hosts_file: string };
  ansible_inventory: string;
  ansible_extra_vars: string;
  keycloak_options: Record<string, string>;
  postgres: { host: string; port: number; database: string; username: string; password: string };
  haproxy: { address: string; port: number; url: string; admin_socket: string; backend: string; servers: string[]; /** The write freeze's ACL file (absent in state written before it existed). */ freeze_acl_file?: string };
  dns: { server: string; port: number; zone: string; record: string; tsig_key_file: string; tsig_key_name: string };
  public_url: string;
}

/** The module's outputs, or null when nothing is provisioned. */
export async function readLabOutputs(paths: LabPaths): Promise<LabOutputs | null> {
  let raw: Record<string, TerraformOutputValue>;
  try {
    raw = await terraformOutput({ dir: paths.terraformDir, timeoutMs: 60_000 });
  } catch {
    return null;
  }
  if (!raw.nodes) return null;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.value])) as unknown as LabOutputs;
}
