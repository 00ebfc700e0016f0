/**
 * `keyturn rollback --plan` of a blue/green upgrade that stopped before its
 * switch (its install failed on green): blue never changed, so the way back
 * removes green and verifies blue, with no downtime and nothing lost; with
 * `--keep-green` green is recorded as kept for inspection instead. The plan
 * reads no database and no node for a blue/green run (blue's schema never
 * moved), so a ledger is all it needs; the run the engine would start is the
 * lab's business (test/integration/upgrade-minor-blue-green.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema, type RollbackPlan } from '../../shared/contract/index.ts';
import { colourDeploymentSchema } from '../../shared/contract/colours.ts';
import { blueGreenSteps } from '../../shared/domain/strategy-steps.ts';
import { classifyChange } from '../../shared/domain/versions.ts';
import { keyturnIn } from '../../test/unit/cli-harness.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import { ensureActiveColour, recordBuildingColour } from '../ledger/colours-repo.ts';
import { createRun, setRunStatus } from '../ledger/runs-repo.ts';
import { createServices, type Services } from '../registry/services.ts';
import { createRedactor } from '../tools/redact.ts';

let home: string;
let services: Services;

const deployment = (colour: 'blue' | 'green', prefix: string) => colourDeploymentSchema.parse({
  colour, source: colour === 'blue' ? 'cluster-file' : 'terraform',
  nodes: [{ name: `${colour[0]}1`, address: `${prefix}.1`, sshPort: 22 }],
  database: { address: `${prefix}.50`, port: 5432, name: 'keycloak', user: 'keycloak' },
  loadBalancer: { address: `${prefix}.100`, port: 443, runtimeApi: `/srv/${colour}/admin.sock`, backend: 'keycloak' },
  inventory: `/srv/${colour}/inventory.yml`,
});

const planJson = async (extra: string[] = []): Promise<RollbackPlan> => {
  const r = await keyturnIn(home, ['rollback', '--cluster', 'acme', '--plan', '--json', ...extra]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  return JSON.parse(r.stdout) as RollbackPlan;
};

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'keyturn-rollback-bg-'));
  services = createServices({ home, mode: 'cli' });
  services.clusters.register(clusterSpecSchema.parse(sampleSpec({ name: 'acme', keycloak: { version: '26.5.6', options: { db: 'postgres' } } })));
  const detail = getCluster(services.db, 'acme');
  const facts = { change: classifyChange('26.5.6', '26.7.3'), nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns' as const, name: 'sso.acme.example', ttl: 30 }, phased: false, warmup: false };
  const steps = blueGreenSteps(facts, { promote: 'manual' }).map((s) => ({ kind: s.kind, title: s.title, node: s.node, params: s.params ?? {} }));
  const runId = createRun(services.db, { clusterId: detail.id, kind: 'upgrade', strategy: 'blue-green', fromState: { version: '26.5.6' }, toState: { version: '26.7.3' } }, steps);
  // preflight, backup.verify, green.provision, green.restore done; green.install failed.
  for (const seq of [0, 1, 2, 3]) services.db.prepare("UPDATE steps SET status = 'succeeded' WHERE run_id = ? AND seq = ?").run(runId, seq);
  services.db.prepare("UPDATE steps SET status = 'failed', error = 'g1 did not start' WHERE run_id = ? AND seq = 4").run(runId);
  setRunStatus(services.db, runId, 'failed', createRedactor([]));
  ensureActiveColour(services.db, detail.id, deployment('blue', '10.0.1'), '26.5.6');
  recordBuildingColour(services.db, { clusterId: detail.id, deployment: deployment('green', '10.0.2'), version: '26.7.3', runId });
});

afterAll(() => {
  services?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('keyturn rollback --plan of a blue/green upgrade stopped before its switch', () => {
  it('removes green and verifies blue, which never changed: no downtime, nothing lost, no confirmation', async () => {
    const p = await planJson();
    expect(p).toMatchObject({ mode: 'switch-back', schemaChanged: false, needsConfirmation: false, predictedDowntimeSeconds: null, lostWriteLines: [] });
    expect(p.steps).toEqual([
      'Destroy green (Terraform destroy of workspace "green"); blue is untouched',
      'Verify blue: every node on 26.5.6, ready, one cluster of 2, still serving sso.acme.example (it was never changed)',
    ]);
    expect(p.downtime).toBe('None: blue kept serving and was never changed.');
    expect(p.lostWrites).toBe('None: no client reached green.');
    expect(p.explanation).toMatch(/blue serves as before, and green, built for the upgrade, is removed\.$/);
  });

  it('with --keep-green records green as kept for inspection instead of destroying it', async () => {
    const p = await planJson(['--keep-green']);
    expect(p.steps[0]).toBe('Record green as kept for inspection, never promoted; blue stays active');
    expect(p.steps).toHaveLength(2);
    expect(p.explanation).toMatch(/green, built for the upgrade, is kept for inspection \(keyturn standby decommission removes it\)\.$/);
  });
});
