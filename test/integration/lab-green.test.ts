/**
 * Green is created the way blue was: the lab's own Terraform root module,
 * applied a second time in workspace `green` with `-var colour=green`
 * (tools/terraform-colour.ts), builds real sshd nodes, PostgreSQL and HAProxy
 * on 127.0.20.x from the lab scripts, and destroying green removes all of it,
 * whether one colour is destroyed or `keyturn lab down` removes every colour.
 *
 * Independent of the suite's lab: its own KEYTURN_HOME, no `ensureLabUp`, no
 * Keycloak, nothing on 127.0.10.x or 127.0.53.1 (a blue lab may be running
 * at the same time, and green must not touch it).
 */
import { execa } from 'execa';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labPaths, type LabPaths } from '../../electron/lab/lab-paths.ts';
import { labColourVariable, writeRootModule } from '../../electron/lab/lab-terraform.ts';
import { showServers } from '../../electron/tools/haproxy.ts';
import { psqlQuery } from '../../electron/tools/postgres.ts';
import { connectSsh, scanHostKey } from '../../electron/tools/ssh.ts';
import { terraformInit, terraformOutput } from '../../electron/tools/terraform.ts';
import { applyColour, destroyColour, type ColourOutputs } from '../../electron/tools/terraform-colour.ts';
import { listWorkspaces } from '../../electron/tools/terraform-workspace.ts';
import { keyturn, processesUnder } from './lab-harness.ts';

const greenAddress = /^127\.0\.20\.\d+$/;

/** Listening TCP/UDP sockets on 127.0.20.x (green's addresses), as `ss` reports them. */
async function greenSockets(): Promise<string[]> {
  const { stdout } = await execa('ss', ['-Hlntu']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[4] ?? '')
    .filter((local) => greenAddress.test(local.replace(/:\d+$/, '')));
}

let home: string;
let paths: LabPaths;
const dbPassword = randomBytes(12).toString('base64url');
const colour = () => ({ dir: paths.terraformDir, colour: 'green', variable: labColourVariable, secretVars: { db_password: dbPassword }, timeoutMs: 10 * 60_000 });

beforeAll(async () => {
  const busy = await greenSockets();
  if (busy.length) throw new Error(`127.0.20.x is already in use (${busy.join(', ')}): another green lab runs here. Stop it first.`);
  home = mkdtempSync(join(tmpdir(), 'keyturn-green-'));
  // Searchable by the postgres OS user, so green's data stays inside this home
  // (not /var/tmp/keyturn-lab-*, which a concurrent blue suite's teardown inspects).
  chmodSync(home, 0o755);
  paths = labPaths(home);
  writeRootModule(paths, { nodeCount: 2, sshUser: userInfo().username });
  await terraformInit({ dir: paths.terraformDir });
}, 120_000);

afterAll(async () => {
  if (!home) return;
  // A failed assertion must not leave green running: destroy through terraform, then the scripts' own teardown.
  await destroyColour(colour()).catch(() => undefined);
  const greenState = join(paths.stateDir, 'green');
  if (existsSync(greenState)) {
    await execa(join(paths.resources, 'scripts', 'teardown.sh'), { env: { LAB_STATE_DIR: greenState }, reject: false });
  }
  rmSync(home, { recursive: true, force: true });
}, 600_000);

describe('lab green through the colour workspace', () => {
  it('builds green on 127.0.20.x beside an untouched blue, without DNS, and destroys it completely', async () => {
    const { deployment } = await applyColour(colour());
    const greenState = join(paths.stateDir, 'green');
    expect(deployment).toEqual<ColourOutputs>({
      colour: 'green',
      workspace: 'green',
      nodes: [
        { name: 'g1', address: '127.0.20.1', sshPort: 2222, keycloakHome: join(greenState, 'nodes', 'g1', 'opt', 'keycloak') },
        { name: 'g2', address: '127.0.20.2', sshPort: 2222, keycloakHome: join(greenState, 'nodes', 'g2', 'opt', 'keycloak') },
      ],
      database: { address: '127.0.20.50', port: 5432, name: 'keycloak', user: 'keycloak' },
      loadBalancer: { address: '127.0.20.100', port: 8080, runtimeApi: join(greenState, 'haproxy', 'admin.sock'), backend: 'keycloak', freezeAclFile: join(greenState, 'haproxy', 'freeze.acl') },
      ansibleInventory: expect.stringContaining('"ansible_host": "127.0.20.1"'),
      keyPath: join(greenState, 'ssh', 'id_ed25519'),
    });
    expect(deployment.ansibleInventory).toContain(join(greenState, 'ssh', 'id_ed25519'));
    expect(deployment.ansibleInventory).not.toContain('127.0.10.');

    // sshd answers on 127.0.20.1:2222 with green's own key, and says which "VM" it is.
    const raw = await terraformOutput({ dir: paths.terraformDir, env: { TF_WORKSPACE: 'green' } });
    const ssh = raw['ssh']!.value as { user: string; private_key_file: string };
    expect(ssh.private_key_file).toBe(join(greenState, 'ssh', 'id_ed25519'));
    for (const node of deployment.nodes) {
      const key = await scanHostKey({ host: node.address, port: node.sshPort, timeoutMs: 10_000 });
      const session = await connectSsh({ host: node.address, port: node.sshPort, user: ssh.user, keyPath: ssh.private_key_file, pinnedFingerprint: key.fingerprint, node: node.name, timeoutMs: 10_000 });
      try {
        const r = await session.exec(['sh', '-c', 'echo "$LAB_NODE_NAME $LAB_NODE_ROOT"'], { timeoutMs: 10_000 });
        expect(r.stdout.trim()).toBe(`${node.name} ${join(greenState, 'nodes', node.name)}`);
      } finally {
        await session.close();
      }
    }

    // Green's own PostgreSQL, reached by Keycloak's role and password on 127.0.20.50.
    const rows = await psqlQuery({ host: '127.0.20.50', port: 5432, database: 'keycloak', user: 'keycloak', password: dbPassword }, 'SELECT current_database(), host(inet_server_addr())');
    expect(rows).toEqual([['keycloak', '127.0.20.50']]);

    // Green's own HAProxy: the backend holds green's nodes only; with no Keycloak yet it answers the maintenance 503.
    const servers = await showServers(deployment.loadBalancer.runtimeApi, deployment.loadBalancer.backend);
    expect(servers.map((s) => [s.name, s.address])).toEqual([
      ['g1', '127.0.20.1'],
      ['g2', '127.0.20.2'],
    ]);
    const res = await fetch('http://127.0.20.100:8080/', { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');

    // No DNS server or record of green's own: none in its state, no named under its directory, no dns/ directory.
    const stateList = await execa('terraform', ['state', 'list'], { cwd: paths.terraformDir, env: { TF_WORKSPACE: 'green' } });
    const resources = stateList.stdout.split('\n').filter(Boolean);
    expect(resources).toEqual(expect.arrayContaining(['module.lab.terraform_data.haproxy', 'module.lab.terraform_data.postgres', 'module.lab.terraform_data.ssh_key', 'module.lab.terraform_data.node[0]', 'module.lab.terraform_data.node[1]']));
    expect(resources.filter((r) => r.includes('dns'))).toEqual([]);
    expect(existsSync(join(greenState, 'dns'))).toBe(false);
    expect(processesUnder(home).filter((p) => p.cmd.includes('named'))).toEqual([]);
    expect((await greenSockets()).sort()).toEqual(['127.0.20.1:2222', '127.0.20.100:8080', '127.0.20.2:2222', '127.0.20.50:5432'].sort());

    // Blue is untouched: nothing in the default workspace, and green's files stay under state/green.
    expect(readdirSync(paths.stateDir)).toEqual(['green']);
    const blueState = await execa('terraform', ['state', 'list'], { cwd: paths.terraformDir, reject: false });
    expect(blueState.stdout.trim()).toBe('');
    expect(await listWorkspaces({ dir: paths.terraformDir })).toEqual({ current: 'default', workspaces: ['default', 'green'] });

    // Destroying green leaves nothing listening on 127.0.20.x and no process under this home.
    expect(await destroyColour(colour())).toMatchObject({ destroyed: true, summary: { changes: { remove: 5 } } });
    expect(await greenSockets()).toEqual([]);
    expect(processesUnder(home)).toEqual([]);
    expect(readdirSync(greenState)).toEqual([]);
    expect(await listWorkspaces({ dir: paths.terraformDir })).toEqual({ current: 'default', workspaces: ['default'] });
  });

  it('`keyturn lab down` destroys green\'s workspace before blue\'s and says which', async () => {
    await applyColour(colour());
    expect((await greenSockets()).length).toBe(4);

    const down = await keyturn(home, ['lab', 'down'], { timeoutMs: 10 * 60_000 });
    expect(down.exitCode, down.stderr).toBe(0);
    const green = down.stderr.indexOf('Destroying green (Terraform workspace "green")');
    const blue = down.stderr.indexOf('Destroying blue (Terraform workspace "default")');
    expect(green).toBeGreaterThanOrEqual(0);
    expect(blue).toBeGreaterThan(green);
    expect(down.stdout).toContain('Lab destroyed');

    expect(await greenSockets()).toEqual([]);
    expect(processesUnder(home)).toEqual([]);
    expect(await listWorkspaces({ dir: paths.terraformDir })).toEqual({ current: 'default', workspaces: ['default'] });
    expect(readdirSync(join(paths.stateDir, 'green'))).toEqual([]);
  });
});
