/**
 * `keyturn standby list` on a real ledger: the colours a blue/green run
 * recorded (through the same ledger functions the engine uses), as a table
 * and as JSON in contract shape; destroyed ones only with --all; an unknown
 * cluster exits 3 with a hint.
 *
 * `keyturn standby decommission`: without --yes it says what it would do and
 * cost and exits 2, changing nothing; the active colour is refused; with
 * --yes a Terraform-built standby goes through the real terraform (its
 * workspace was never applied here, so there is nothing to destroy) and is
 * recorded destroyed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema, colourDeploymentSchema, colourRecordSchema, type Colour } from '../../shared/contract/index.ts';
import { keyturnIn } from '../../test/unit/cli-harness.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { insertCluster } from '../ledger/clusters-repo.ts';
import { ensureActiveColour, promoteColour, recordBuildingColour, setColourRole } from '../ledger/colours-repo.ts';
import { createRun } from '../ledger/runs-repo.ts';
import { createServices, type Services } from '../registry/services.ts';
import { terraformInit } from '../tools/terraform.ts';

let home: string;
let tfDir: string;
let services: Services;

const deployment = (colour: Colour, prefix: string) => colourDeploymentSchema.parse({
  colour,
  source: colour === 'blue' ? 'cluster-file' : 'terraform',
  nodes: [{ name: `${colour[0]}1`, address: `${prefix}.1`, sshPort: 22 }, { name: `${colour[0]}2`, address: `${prefix}.2`, sshPort: 22 }],
  database: { address: `${prefix}.50`, port: 5432, name: 'keycloak', user: 'keycloak' },
  loadBalancer: { address: `${prefix}.100`, port: 443, runtimeApi: `/run/${colour}.sock`, backend: 'keycloak' },
  inventory: `/srv/${colour}/inventory.yml`,
});

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'keyturn-standby-cli-'));
  services = createServices({ home, mode: 'cli' });
  const clusterId = insertCluster(services.db, clusterSpecSchema.parse(sampleSpec({ name: 'acme' })));
  insertCluster(services.db, clusterSpecSchema.parse(sampleSpec({ name: 'plain' })));
  const runId = createRun(services.db, { clusterId, kind: 'upgrade' });
  const blue = ensureActiveColour(services.db, clusterId, deployment('blue', '10.1.0'), '26.5.6');
  recordBuildingColour(services.db, { clusterId, deployment: deployment('green', '10.2.0'), version: '26.7.3', runId, clonePoint: '2026-12-01T10:00:00.000Z' });
  promoteColour(services.db, clusterId, 'green', runId);
  // the standby blue, decommissioned since
  setColourRole(services.db, blue.id, 'destroyed');

  // tf: blue serves again after a switch back; green, built through the cluster's Terraform, is the standby
  tfDir = mkdtempSync(join(tmpdir(), 'keyturn-standby-cli-tf-'));
  writeFileSync(join(tfDir, 'main.tf'), 'variable "colour" {\n  type    = string\n  default = "blue"\n}\n');
  await terraformInit({ dir: tfDir });
  const tfId = insertCluster(services.db, clusterSpecSchema.parse(sampleSpec({ name: 'tf', terraform: { dir: tfDir } })));
  const tfRun = createRun(services.db, { clusterId: tfId, kind: 'upgrade' });
  ensureActiveColour(services.db, tfId, deployment('blue', '10.3.0'), '26.5.6');
  recordBuildingColour(services.db, { clusterId: tfId, deployment: deployment('green', '10.4.0'), version: '26.7.3', runId: tfRun });
  promoteColour(services.db, tfId, 'green', tfRun);
  promoteColour(services.db, tfId, 'blue', null);
});

afterAll(() => {
  services?.close();
  if (home) rmSync(home, { recursive: true, force: true });
  if (tfDir) rmSync(tfDir, { recursive: true, force: true });
});

describe('keyturn standby list', () => {
  it('shows which colour serves and which is kept, with nodes, load balancer and clone point', async () => {
    const r = await keyturnIn(home, ['standby', 'list', '--cluster', 'acme']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/COLOUR\s+ROLE\s+VERSION\s+NODES/);
    expect(r.stdout).toMatch(/green\s+active\s+26\.7\.3\s+g1 10\.2\.0\.1, g2 10\.2\.0\.2\s+10\.2\.0\.100:443/);
    expect(r.stdout).toMatch(/2026-12-01T10:00:00\.000Z/);
    expect(r.stdout).not.toMatch(/destroyed|10\.1\.0\.100/);
  });

  it('prints contract-shaped JSON, and the destroyed colours only with --all', async () => {
    const r = await keyturnIn(home, ['standby', 'list', '--cluster', 'acme', '--json', '--all']);
    expect(r.exitCode, r.stderr).toBe(0);
    const list = colourRecordSchema.array().parse(JSON.parse(r.stdout));
    expect(list.map((c) => `${c.colour}:${c.role}`).sort()).toEqual(['blue:destroyed', 'green:active']);
    const live = colourRecordSchema.array().parse(JSON.parse((await keyturnIn(home, ['standby', 'list', '--cluster', 'acme', '--json'])).stdout));
    expect(live.map((c) => `${c.colour}:${c.role}`)).toEqual(['green:active']);
  });

  it('says so for a cluster without colours, and exits 3 for an unknown one', async () => {
    const plain = await keyturnIn(home, ['standby', 'list', '--cluster', 'plain']);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toMatch(/No blue\/green colours are recorded for 'plain'/);
    const unknown = await keyturnIn(home, ['standby', 'list', '--cluster', 'nope']);
    expect(unknown.exitCode).toBe(3);
    expect(unknown.stderr).toMatch(/nope/);
  });
});

describe('keyturn standby decommission', () => {
  const roles = async () => Object.fromEntries(colourRecordSchema.array().parse(JSON.parse((await keyturnIn(home, ['standby', 'list', '--cluster', 'tf', '--json'])).stdout)).map((c) => [c.colour, c.role]));

  it('without --yes says what it would do and cost, changes nothing and exits 2 with the hint', async () => {
    const r = await keyturnIn(home, ['standby', 'decommission', '--cluster', 'tf']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/Decommission green of tf \(standby, Keycloak 26\.7\.3\)/);
    expect(r.stdout).toMatch(/nodes: g1 10\.4\.0\.1, g2 10\.4\.0\.2/);
    expect(r.stdout).toContain(`Terraform destroy of workspace "green" in ${tfDir}`);
    expect(r.stdout).toMatch(/writes made on green since it last served .* are lost with it/);
    expect(r.stderr).toMatch(/hint: Add --yes .*keyturn standby decommission --cluster tf --colour green --yes/);

    const j = await keyturnIn(home, ['standby', 'decommission', '--cluster', 'tf', '--json']);
    expect(j.exitCode).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: 'invalid-input', details: { plan: { colour: 'green', action: { kind: 'terraform-destroy', workspace: 'green' } } } } });
    expect(await roles()).toEqual({ blue: 'active', green: 'standby' });
  });

  it('refuses the active colour (exit 4) and a cluster with nothing kept (exit 3)', async () => {
    const active = await keyturnIn(home, ['standby', 'decommission', '--cluster', 'tf', '--colour', 'blue', '--yes']);
    expect(active.exitCode).toBe(4);
    expect(active.stderr).toMatch(/blue is the active colour of 'tf'/);
    const none = await keyturnIn(home, ['standby', 'decommission', '--cluster', 'acme', '--yes']);
    expect(none.exitCode).toBe(3);
    expect(none.stderr).toMatch(/hint: .*keyturn standby list --cluster acme/);
    const bad = await keyturnIn(home, ['standby', 'decommission', '--cluster', 'tf', '--colour', 'purple', '--yes']);
    expect(bad.exitCode).toBe(2);
    expect(await roles()).toEqual({ blue: 'active', green: 'standby' });
  });

  it('with --yes destroys the standby through Terraform and prints the destroyed record', async () => {
    const r = await keyturnIn(home, ['standby', 'decommission', '--cluster', 'tf', '--yes', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(colourRecordSchema.parse(JSON.parse(r.stdout))).toMatchObject({ clusterName: 'tf', colour: 'green', role: 'destroyed' });
    expect(await roles()).toEqual({ blue: 'active' });
  });
});
