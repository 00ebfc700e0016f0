/**
 * What the lab's root module builds for each colour, read from the real
 * terraform (`terraform console`, nothing applied): blue keeps the addresses
 * and paths it always had, green derives its own and shares only blue's DNS
 * key. The green apply itself is test/integration/lab-green.test.ts.
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { terraformInit } from '../tools/terraform.ts';
import { labPaths, type LabPaths } from './lab-paths.ts';
import { labColourVariable, postgresDataDir, writeRootModule } from './lab-terraform.ts';

let home: string;
let paths: LabPaths;

/** The lab module's outputs for one colour, as terraform evaluates them. */
async function moduleFor(colour: string): Promise<Record<string, unknown>> {
  const r = await execa('terraform', ['console', '-var', `${labColourVariable}=${colour}`, '-var', 'db_password=lab-test-password'], { cwd: paths.terraformDir, input: 'nonsensitive(jsonencode(module.lab))\n', reject: false });
  if (r.exitCode !== 0) throw new Error(r.stderr);
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(JSON.parse(last) as string) as Record<string, unknown>;
}

/** Each inventory host's JAVA_OPTS_APPEND, read as Ansible reads the inventory (YAML). */
function javaOptsOf(module: Record<string, unknown>): Record<string, unknown> {
  const inv = parseYaml(String(module['ansible_inventory'])) as { all: { children: { keycloak: { hosts: Record<string, { keycloak_java_opts?: unknown }> } } } };
  return Object.fromEntries(Object.entries(inv.all.children.keycloak.hosts).map(([name, vars]) => [name, vars.keycloak_java_opts]));
}

beforeAll(async () => {
  // A private (0700) home, as under /root: PostgreSQL's data goes to /var/tmp (only the path is computed here).
  home = mkdtempSync(join(tmpdir(), 'keyturn-lab-tf-'));
  paths = labPaths(home);
  writeRootModule(paths, { nodeCount: 2, sshUser: 'root' });
  await terraformInit({ dir: paths.terraformDir });
}, 120_000);

afterAll(() => {
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('the lab module per colour', () => {
  it('builds blue where it always did', async () => {
    const data = postgresDataDir(paths);
    expect(data).toMatch(/^\/var\/tmp\/keyturn-lab-[0-9a-f]{12}\/data$/);
    const blue = await moduleFor('blue');
    const s = paths.stateDir;
    expect(blue).toMatchObject({
      colour: 'blue',
      state_dir: s,
      nodes: [
        { name: 'n1', address: '127.0.10.1', ssh_port: 2222, node_root: `${s}/nodes/n1` },
        { name: 'n2', address: '127.0.10.2', ssh_port: 2222, node_root: `${s}/nodes/n2` },
      ],
      ssh: { private_key_file: `${s}/ssh/id_ed25519`, known_hosts_file: `${s}/ssh/known_hosts` },
      postgres: { host: '127.0.10.50', port: 5432, data_dir: data, socket_dir: data.replace(/data$/, 'run') },
      haproxy: { address: '127.0.10.100', port: 8080, admin_socket: `${s}/haproxy/admin.sock`, backend: 'keycloak', servers: ['n1', 'n2'] },
      dns: { server: '127.0.53.1', record: 'sso.lab.test', tsig_key_file: `${s}/dns/tsig.key` },
      public_url: 'http://sso.lab.test:8080',
    });
    expect((blue['keycloak_options'] as Record<string, string>)['db-url-host']).toBe('127.0.10.50');
    // every node of either colour starts its JVM C1-only (the lab shares a host's cores between up to four nodes)
    expect(javaOptsOf(blue)).toEqual({ n1: '-XX:TieredStopAtLevel=1', n2: '-XX:TieredStopAtLevel=1' });
  });

  it('builds green on 127.0.20.x in its own state and data directories, sharing only the DNS key and public name', async () => {
    const data = postgresDataDir(paths);
    const green = await moduleFor('green');
    const g = join(paths.stateDir, 'green');
    expect(green).toMatchObject({
      colour: 'green',
      state_dir: g,
      nodes: [
        { name: 'g1', address: '127.0.20.1', ssh_port: 2222, node_root: `${g}/nodes/g1` },
        { name: 'g2', address: '127.0.20.2', ssh_port: 2222, node_root: `${g}/nodes/g2` },
      ],
      ssh: { private_key_file: `${g}/ssh/id_ed25519`, known_hosts_file: `${g}/ssh/known_hosts` },
      postgres: { host: '127.0.20.50', port: 5432, data_dir: data.replace(/data$/, 'green/data'), socket_dir: data.replace(/data$/, 'green/run') },
      haproxy: { address: '127.0.20.100', port: 8080, admin_socket: `${g}/haproxy/admin.sock`, backend: 'keycloak', servers: ['g1', 'g2'] },
      dns: { server: '127.0.53.1', record: 'sso.lab.test', tsig_key_file: `${paths.stateDir}/dns/tsig.key` },
      public_url: 'http://sso.lab.test:8080',
    });
    expect(green['keycloak_options']).toMatchObject({ 'db-url-host': '127.0.20.50', hostname: 'http://sso.lab.test:8080' });
    expect(green['ansible_inventory']).not.toContain('127.0.10.');
    expect(javaOptsOf(green)).toEqual({ g1: '-XX:TieredStopAtLevel=1', g2: '-XX:TieredStopAtLevel=1' });
  });

  it('refuses a colour other than blue or green before anything is built', async () => {
    // plan evaluates the variable's validation and runs no provisioner
    const r = await execa('terraform', ['plan', '-input=false', '-no-color', '-var', `${labColourVariable}=red`, '-var', 'db_password=lab-test-password'], { cwd: paths.terraformDir, reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('colour must be "blue" or "green"');
  });
});
