/**
 * Decommissioning a standby on a real ledger: every refusal leaves the
 * colours as they were (the active colour, nothing to decommission, a wrong
 * typed confirmation, a run holding the cluster's lock, a run that may still
 * continue its build, a described standby Keyturn cannot stop safely); and a
 * green built for real through a small Terraform root module
 * (`terraform_data` + local-exec, no provider download) is destroyed in its
 * workspace and recorded `destroyed`, blue untouched.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { colourModuleText } from '../../test/support/colour-module.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema, type ClusterSpecInput } from '../../shared/contract/clusters.ts';
import { colourDeploymentSchema, type Colour, type ColourDeployment } from '../../shared/contract/colours.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { insertCluster } from '../ledger/clusters-repo.ts';
import { ensureActiveColour, listColours, promoteColour, recordBuildingColour } from '../ledger/colours-repo.ts';
import { acquireLock, releaseLock } from '../ledger/locks-repo.ts';
import { openLedger, type Ledger } from '../ledger/open-ledger.ts';
import { abortStoppedRun, createRun, markRunInterrupted } from '../ledger/runs-repo.ts';
import { terraformInit } from '../tools/terraform.ts';
import { applyColour } from '../tools/terraform-colour.ts';
import { listWorkspaces } from '../tools/terraform-workspace.ts';
import { createStandbyService } from './standby-service.ts';

const owner = `${process.pid}@${hostname()}`;

const deployment = (colour: Colour, prefix: string, source: ColourDeployment['source']): ColourDeployment => colourDeploymentSchema.parse({
  colour,
  source,
  nodes: [{ name: `${colour[0]}1`, address: `${prefix}.1`, sshPort: 22 }, { name: `${colour[0]}2`, address: `${prefix}.2`, sshPort: 22 }],
  database: { address: `${prefix}.50`, port: 5432, name: 'keycloak', user: 'keycloak' },
  loadBalancer: { address: `${prefix}.100`, port: 8080, runtimeApi: `${prefix}.100:9999`, backend: 'keycloak' },
  inventory: `/srv/${colour}/inventory.yml`,
});

/** A cluster whose blue served first, green was switched to, and the switch back left green as standby. */
function withStandby(db: Ledger, name: string, green: ColourDeployment, overrides: Partial<ClusterSpecInput> = {}) {
  const clusterId = insertCluster(db, clusterSpecSchema.parse(sampleSpec({ name, ...overrides })));
  const runId = createRun(db, { clusterId, kind: 'upgrade' });
  ensureActiveColour(db, clusterId, deployment('blue', '127.0.10', 'cluster-file'), '26.5.6');
  recordBuildingColour(db, { clusterId, deployment: green, version: '26.7.3', runId, clonePoint: '2026-12-01T10:00:00.000Z' });
  promoteColour(db, clusterId, 'green', runId);
  promoteColour(db, clusterId, 'blue', null);
  return { clusterId, runId };
}

const roles = (db: Ledger, clusterId: string) => Object.fromEntries(listColours(db, clusterId).map((c) => [c.colour, c.role]));

describe('standby decommission refusals (real ledger)', () => {
  const db = openLedger(':memory:');
  const standby = createStandbyService({ db, owner });
  const { clusterId } = withStandby(db, 'acme', deployment('green', '127.0.20', 'terraform'), { terraform: { dir: '/srv/acme/terraform' } });

  it('says what it will do and what it costs before acting', () => {
    const p = standby.plan('acme');
    expect(p).toMatchObject({
      cluster: 'acme', colour: 'green', role: 'standby', version: '26.7.3',
      nodes: [{ name: 'g1', address: '127.0.20.1' }, { name: 'g2', address: '127.0.20.2' }],
      action: { kind: 'terraform-destroy', dir: '/srv/acme/terraform', workspace: 'green' },
    });
    expect(p.does).toMatch(/Terraform destroy of workspace "green"/);
    expect(p.costs).toMatch(/writes made on green since it last served .* are lost with it/);
    expect(p.costs).toContain('2026-12-01T10:00:00.000Z');
  });

  it('never decommissions the active colour, even when named', async () => {
    const err = await standby.decommission({ cluster: 'acme', confirm: 'acme', colour: 'blue' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'conflict', message: expect.stringMatching(/blue is the active colour of 'acme'.*never decommissions/), hint: expect.stringContaining('keyturn standby list --cluster acme') });
    expect(() => standby.plan('acme', 'blue')).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(roles(db, clusterId)).toEqual({ blue: 'active', green: 'standby' });
  });

  it('refuses a wrong typed confirmation and does nothing', async () => {
    for (const confirm of ['', 'ACME', 'acme ', 'other']) {
      const err = await standby.decommission({ cluster: 'acme', confirm }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'invalid-input', message: expect.stringContaining('typed confirmation'), hint: expect.stringContaining('acme') });
    }
    expect(roles(db, clusterId)).toEqual({ blue: 'active', green: 'standby' });
  });

  it('refuses with locked while a run holds the cluster lock, and leaves that lock alone', async () => {
    const runId = createRun(db, { clusterId, kind: 'upgrade' });
    acquireLock(db, clusterId, runId, owner);
    try {
      const err = await standby.decommission({ cluster: 'acme', confirm: 'acme' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'locked', message: expect.stringContaining(runId), hint: expect.any(String) });
      expect(db.prepare('SELECT run_id FROM locks WHERE scope = ?').get(clusterId)).toEqual({ run_id: runId });
    } finally {
      releaseLock(db, clusterId, runId);
    }
    expect(roles(db, clusterId)).toEqual({ blue: 'active', green: 'standby' });
  });

  it('says there is nothing to decommission: no colours at all, or only the active one', async () => {
    insertCluster(db, clusterSpecSchema.parse(sampleSpec({ name: 'plain' })));
    const none = await standby.decommission({ cluster: 'plain', confirm: 'plain' }).catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'not-found', message: expect.stringContaining('no blue/green colours recorded'), hint: expect.stringContaining('keyturn standby list --cluster plain') });

    const soloId = insertCluster(db, clusterSpecSchema.parse(sampleSpec({ name: 'solo' })));
    ensureActiveColour(db, soloId, deployment('blue', '127.0.30', 'cluster-file'), '26.5.6');
    const solo = await standby.decommission({ cluster: 'solo', confirm: 'solo' }).catch((e: unknown) => e);
    expect(solo).toMatchObject({ code: 'not-found', message: expect.stringMatching(/no standby colour.*blue, is active/), hint: expect.stringContaining('keyturn standby list') });
    expect(() => standby.plan('solo', 'green')).toThrow(expect.objectContaining({ code: 'not-found', message: expect.stringContaining('no live green colour') }));
    expect(roles(db, soloId)).toEqual({ blue: 'active' });
    await expect(standby.decommission({ cluster: 'nope', confirm: 'nope' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('takes a building colour only once no run can continue it', () => {
    const id = insertCluster(db, clusterSpecSchema.parse(sampleSpec({ name: 'half', terraform: { dir: '/srv/half/terraform' } })));
    ensureActiveColour(db, id, deployment('blue', '127.0.40', 'cluster-file'), '26.5.6');
    const runId = createRun(db, { clusterId: id, kind: 'upgrade' });
    recordBuildingColour(db, { clusterId: id, deployment: deployment('green', '127.0.41', 'terraform'), version: '26.7.3', runId });
    markRunInterrupted(db, runId);
    expect(() => standby.plan('half')).toThrow(expect.objectContaining({ code: 'conflict', message: expect.stringContaining(`run ${runId}, which is interrupted`), hint: expect.stringContaining(`keyturn runs abort ${runId}`) }));
    abortStoppedRun(db, runId);
    expect(standby.plan('half')).toMatchObject({ colour: 'green', role: 'building', action: { kind: 'terraform-destroy', workspace: 'green' } });
    expect(standby.plan('half').costs).toContain('since it was cloned');
  });

  it('refuses a described standby it cannot stop safely, before running anything', () => {
    withStandby(db, 'hosts', deployment('green', '127.0.50', 'described'));
    expect(() => standby.plan('hosts')).toThrow(expect.objectContaining({ code: 'invalid-input', message: expect.stringContaining('ansible.stopPlaybook') }));
    withStandby(db, 'hosts2', deployment('green', '127.0.51', 'described'), { ansible: { inventory: '/srv/inv.yml', playbook: '/srv/site.yml', stopPlaybook: '/srv/stop.yml' } });
    expect(() => standby.plan('hosts2')).toThrow(expect.objectContaining({ code: 'host-key-unconfirmed', message: expect.stringContaining('g1') }));
    const keyed = withStandby(db, 'hosts3', colourDeploymentSchema.parse({
      ...deployment('green', '127.0.52', 'described'),
      nodes: [{ name: 'g1', address: '127.0.52.1', sshPort: 2222, hostKey: { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:x', publicKey: 'AAAA', pinnedAt: '2026-12-01T10:00:00.000Z' } }],
    }), { ansible: { inventory: '/srv/inv.yml', playbook: '/srv/site.yml', stopPlaybook: '/srv/stop.yml' } });
    const p = standby.plan('hosts3');
    expect(p.action).toEqual({ kind: 'stop-keycloak', playbook: '/srv/stop.yml', inventory: '/srv/green/inventory.yml', hosts: ['g1'] });
    expect(p.does).toMatch(/Stop Keycloak on hosts g1 \(127\.0\.52\.1\)/);
    expect(p.does).toMatch(/then empty its database keycloak on 127\.0\.52\.50:5432 \(its tables dropped/);
    expect(roles(db, keyed.clusterId)).toEqual({ blue: 'active', green: 'standby' });
  });

  it("keeps the database of the cluster's own first deployment when it is the standby: only a described standby's copy is emptied", () => {
    const keyed = (colour: Colour, prefix: string, source: ColourDeployment['source']) => colourDeploymentSchema.parse({
      ...deployment(colour, prefix, source),
      nodes: [{ name: `${colour[0]}1`, address: `${prefix}.1`, sshPort: 2222, hostKey: { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:x', publicKey: 'AAAA', pinnedAt: '2026-12-01T10:00:00.000Z' } }],
    });
    const clusterId = insertCluster(db, clusterSpecSchema.parse(sampleSpec({ name: 'hosts5', ansible: { inventory: '/srv/inv.yml', playbook: '/srv/site.yml', stopPlaybook: '/srv/stop.yml' } })));
    const runId = createRun(db, { clusterId, kind: 'upgrade' });
    ensureActiveColour(db, clusterId, keyed('blue', '127.0.54', 'cluster-file'), '26.5.6');
    recordBuildingColour(db, { clusterId, deployment: keyed('green', '127.0.55', 'described'), version: '26.7.3', runId, clonePoint: '2026-12-01T10:00:00.000Z' });
    promoteColour(db, clusterId, 'green', runId);
    expect(roles(db, clusterId)).toEqual({ blue: 'standby', green: 'active' });
    const p = standby.plan('hosts5');
    expect(p.colour).toBe('blue');
    expect(p.does).toMatch(/the hosts and the database keycloak on 127\.0\.54\.50:5432 \(the cluster's own before its first switch\) stay as they are, its data included/);
    expect(p.does).not.toMatch(/empty its database/);
  });

  it("never empties the database the cluster serves from, even when a described standby's record names it", () => {
    const own = colourDeploymentSchema.parse({
      ...deployment('green', '127.0.53', 'described'),
      database: { address: 'db.acme.example', port: 5432, name: 'keycloak', user: 'keycloak' },
      nodes: [{ name: 'g1', address: '127.0.53.1', sshPort: 2222, hostKey: { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:x', publicKey: 'AAAA', pinnedAt: '2026-12-01T10:00:00.000Z' } }],
    });
    const { clusterId: id } = withStandby(db, 'hosts4', own, { database: { host: 'db.acme.example', port: 5432, name: 'keycloak', user: 'keycloak' }, ansible: { inventory: '/srv/inv.yml', playbook: '/srv/site.yml', stopPlaybook: '/srv/stop.yml' } });
    expect(() => standby.plan('hosts4')).toThrow(expect.objectContaining({ code: 'conflict', message: "green's database keycloak on db.acme.example:5432 is the one cluster 'hosts4' serves from: Keyturn never empties it." }));
    expect(roles(db, id)).toEqual({ blue: 'active', green: 'standby' });
  });
});

/** The blue/green contract of docs/blue-green-terraform.md: the `colour` variable and five outputs; each colour leaves a marker file while it exists. */
const moduleText = colourModuleText();

describe('standby decommission of a Terraform-built colour (real terraform)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyturn-standby-tf-'));
    await writeFile(join(dir, 'main.tf'), moduleText);
    await terraformInit({ dir });
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('destroys green in its workspace, deletes the workspace and records it destroyed; blue stays active', async () => {
    const { deployment: out } = await applyColour({ dir, colour: 'green' });
    expect(existsSync(join(dir, 'made-green'))).toBe(true);
    const inventory = join(dir, 'green-inventory.yml');
    await writeFile(inventory, out.ansibleInventory);
    const green = colourDeploymentSchema.parse({ colour: 'green', source: 'terraform', nodes: out.nodes, database: out.database, loadBalancer: out.loadBalancer, inventory });

    const db = openLedger(':memory:');
    const standby = createStandbyService({ db, owner });
    const { clusterId } = withStandby(db, 'acme', green, { terraform: { dir } });
    expect(roles(db, clusterId)).toEqual({ blue: 'active', green: 'standby' });
    expect((await listWorkspaces({ dir })).workspaces).toContain('green');

    const lines: string[] = [];
    const record = await standby.decommission({ cluster: 'acme', confirm: 'acme' }, { onProgress: (l) => lines.push(l) });
    expect(record).toMatchObject({ clusterName: 'acme', colour: 'green', role: 'destroyed' });
    expect(lines.join('\n')).toMatch(/Terraform destroy of workspace "green"[\s\S]*Workspace "green" destroyed \(1 resources\)/);
    expect(existsSync(join(dir, 'made-green'))).toBe(false);
    expect(await listWorkspaces({ dir })).toEqual({ current: 'default', workspaces: ['default'] });
    expect(roles(db, clusterId)).toEqual({ blue: 'active' });
    expect(listColours(db, clusterId, { includeDestroyed: true }).find((c) => c.colour === 'green')?.role).toBe('destroyed');
    // the lock it held is gone
    expect(db.prepare('SELECT * FROM locks WHERE scope = ?').get(clusterId)).toBeUndefined();
    // nothing left to decommission now
    await expect(standby.decommission({ cluster: 'acme', confirm: 'acme' })).rejects.toMatchObject({ code: 'not-found' });
  });
});
