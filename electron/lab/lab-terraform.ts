/**
 * The lab's Terraform root module. Keyturn writes a small root module in the
 * lab directory that calls the shipped module (`resources/lab/terraform`)
 * by path, so state lives with the lab and the shipped files stay read-only,
 * the way a customer's own root module would call theirs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { terraformOutput, type TerraformOutputValue } from '../tools/terraform.ts';
import type { LabPaths } from './lab-paths.ts';

/** Outputs of the lab module that Keyturn reads back. */
export const labOutputs = ['nodes', 'ssh', 'ansible_inventory', 'ansible_extra_vars', 'keycloak_options', 'postgres', 'haproxy', 'dns', 'public_url'] as const;

export interface LabModuleVars {
  nodeCount: number;
  sshUser: string;
}

/** Writes `main.tf.json` (module call + re-exported outputs). Secrets go in as terraform variables from a 0600 var file. */
export function writeRootModule(paths: LabPaths, vars: LabModuleVars): void {
  mkdirSync(paths.terraformDir, { recursive: true });
  const root = {
    variable: { db_password: { type: 'string', sensitive: true } },
    module: {
      lab: {
        // A local module must be a ./ or ../ path (an absolute one would be copied, losing ../scripts).
        source: relative(paths.terraformDir, join(paths.resources, 'terraform')),
        state_dir: paths.stateDir,
        node_count: vars.nodeCount,
        ssh_user: vars.sshUser,
        db_password: '${var.db_password}',
      },
    },
    output: Object.fromEntries(labOutputs.map((o) => [o, { value: `\${module.lab.${o}}`, ...(o === 'postgres' ? { sensitive: true } : {}) }])),
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
  nodes: LabNodeOutput[];
  ssh: { user: string; private_key_file: string; known_hosts_file: string };
  ansible_inventory: string;
  ansible_extra_vars: string;
  keycloak_options: Record<string, string>;
  postgres: { host: string; port: number; database: string; username: string; password: string };
  haproxy: { address: string; port: number; url: string; admin_socket: string; backend: string; servers: string[] };
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
