/**
 * `keyturn rollback` against a real PostgreSQL started by this file: the plan
 * states the predicted downtime of a recreate-back and of a restore, from
 * this cluster's recorded step durations (or a stated default for what it
 * never measured); `--session-policy` is checked before any work (exit 2,
 * naming the allowed values) and reaches the restore step of the run it
 * starts, and the run records the prediction beside its events. The run is
 * the real engine: it stops at preflight because no node has a pinned host
 * key, so the live database is never touched.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema, dataSafetySchema, type RollbackPlan } from '../../shared/contract/index.ts';
import { recreateSteps } from '../../shared/domain/strategy-steps.ts';
import { classifyChange } from '../../shared/domain/versions.ts';
import { keyturnIn } from '../../test/unit/cli-harness.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import { createRun, getRun, listEvents, listRuns, runStates, setRunStatus } from '../ledger/runs-repo.ts';
import { invoke } from '../registry/dispatch.ts';
import { createHandlers } from '../registry/handlers.ts';
import { createServices, type Services } from '../registry/services.ts';
import { createRedactor } from '../tools/redact.ts';
import { addChangeSet, seedKeycloakLikeSchema, startPostgres, type TestPostgres } from '../tools/test-support/postgres.ts';

const PASSWORD = 'rb-Secret-71c2d9';
let pg: TestPostgres;
let home: string;
let services: Services;
let upgradeId: string;

/** Sets a step's recorded start and end `seconds` apart, as a run that took that long leaves them. */
function took(runId: string, seq: number, seconds: number): void {
  services.db.prepare("UPDATE steps SET status = 'succeeded', started_at = ?, finished_at = ? WHERE run_id = ? AND seq = ?")
    .run('2026-11-30T03:00:00.000Z', new Date(Date.parse('2026-11-30T03:00:00.000Z') + seconds * 1000).toISOString(), runId, seq);
}

const planJson = async (extra: string[] = []): Promise<RollbackPlan> => {
  const r = await keyturnIn(home, ['rollback', '--cluster', 'acme', '--plan', '--json', ...extra]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  return JSON.parse(r.stdout) as RollbackPlan;
};

beforeAll(async () => {
  pg = await startPostgres('127.0.40.7');
  await pg.createRoleAndDatabase('kc', PASSWORD, 'keycloak', { createdb: true });
  await seedKeycloakLikeSchema(pg, 'keycloak', 'kc', 5, ['master', 'acme']);
  home = mkdtempSync(join(tmpdir(), 'keyturn-rollback-cli-'));
  const passwordFile = join(home, 'db-password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  services = createServices({ home, mode: 'cli' });
  // Nodes without pinned host keys: the rollback's preflight refuses them before anything changes.
  services.clusters.register(clusterSpecSchema.parse(sampleSpec({ name: 'acme', keycloak: { version: '26.7.3', options: { db: 'postgres', cache: 'ispn' } }, database: { host: pg.host, port: pg.port, name: 'keycloak', user: 'kc', passwordRef: { file: passwordFile } } })));
  const detail = getCluster(services.db, 'acme');
  // The recreate 26.5.6 -> 26.7.3 this rollback undoes, as the engine records it: every step done, with its duration.
  const facts = { change: classifyChange('26.5.6', '26.7.3'), nodes: ['n1', 'n2'], loadBalancer: false, traffic: { kind: 'dns' as const, name: 'sso.acme.example', ttl: 1 }, phased: false, warmup: false };
  const steps = recreateSteps(facts).map((s) => ({ kind: s.kind, title: s.title, node: s.node, params: s.params ?? {} }));
  upgradeId = createRun(services.db, { clusterId: detail.id, kind: 'upgrade', strategy: 'recreate', fromState: { version: '26.5.6', options: { db: 'postgres', cache: 'ispn' } }, toState: { version: '26.7.3' } }, steps);
  const durations: Record<string, number> = { 'cluster.stop': 12, 'node.install': 30, 'node.ready': 11 };
  steps.forEach((s, seq) => took(upgradeId, seq, durations[s.kind] ?? 1));
  setRunStatus(services.db, upgradeId, 'succeeded', createRedactor([]));
  await services.backups.create('acme', { runId: upgradeId });
}, 120_000);

afterAll(async () => {
  services?.close();
  await pg?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('keyturn rollback --plan: the predicted downtime', () => {
  it('recreate-back (schema unchanged): stop + start to ready from the recorded steps, no session policy', async () => {
    const p = await planJson();
    expect(p).toMatchObject({ mode: 'recreate-back', schemaChanged: false, predictedDowntimeSeconds: 12 + 41, sessionPolicy: null, dataSafety: null });
    expect(p.predictedDowntimeBasis).toBe("from this cluster's recorded steps: 12 s stop + 41 s start to ready (2 node starts)");
    expect(p.downtime).not.toContain('Predicted');
    expect(p.predictedDowntimeSeconds).toBe(53);
    const human = await keyturnIn(home, ['rollback', '--cluster', 'acme', '--plan']);
    expect(human.exitCode, human.stderr).toBe(0);
    expect(human.stdout).toContain("Predicted downtime: about 53 s (from this cluster's recorded steps: 12 s stop + 41 s start to ready (2 node starts))");
  });

  it('restore (schema moved): adds the restore, a stated default until one is recorded, and shows the session policy', async () => {
    await addChangeSet(pg, 'keycloak', '99.0.0-upgrade');
    const p = await planJson();
    expect(p).toMatchObject({ mode: 'restore', schemaChanged: true, predictedDowntimeSeconds: 12 + 15 + 41, sessionPolicy: 'drop-online' });
    expect(p.predictedDowntimeBasis).toMatch(/^from this cluster's recorded steps: 12 s stop \+ 41 s start to ready \(2 node starts\); default 15 s restore \(15 s \+ 0\.0 MiB dump at 10 MiB\/s\)$/);
    // what it would lose, in the shape runs show --json gives a run's dataSafety: the backup's point in time, the window since, the count
    const backup = services.backups.list('acme')[0]!;
    expect(p.dataSafety).toMatchObject({ clonePoint: backup.createdAt, clonePointLsn: backup.database?.walLsn, switchedAt: null, lostWrites: { counted: true, lines: p.lostWriteLines } });
    expect(p.dataSafety!.clonePointLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(p.dataSafety!.windowMs).toBeGreaterThan(0);
    expect(dataSafetySchema.parse(p.dataSafety)).toEqual(p.dataSafety);
    expect((await planJson(['--session-policy', 'keep-all'])).sessionPolicy).toBe('keep-all');
    // The cluster's own policy replaces the default; a run's choice still wins.
    const detail = getCluster(services.db, 'acme');
    services.clusters.update('acme', clusterSpecSchema.parse({ ...detail.spec, sessionPolicy: 'keep-all' }));
    try {
      expect((await planJson()).sessionPolicy).toBe('keep-all');
      expect((await planJson(['--session-policy', 'drop-all'])).sessionPolicy).toBe('drop-all');
    } finally {
      services.clusters.update('acme', clusterSpecSchema.parse(detail.spec));
    }
    expect((await planJson()).sessionPolicy).toBe('drop-online');
    // The console asks the same through the registry.
    const viaRegistry = await invoke(createHandlers(services), 'rollback:plan', { cluster: 'acme', sessionPolicy: 'drop-all' });
    expect(viaRegistry).toMatchObject({ mode: 'restore', sessionPolicy: 'drop-all', predictedDowntimeSeconds: 68, predictedDowntimeBasis: p.predictedDowntimeBasis });
  });
});

describe('keyturn rollback --session-policy', () => {
  it('refuses an unknown policy with exit 2, naming the allowed values, before any work', async () => {
    const before = listRuns(services.db).length;
    for (const args of [['--session-policy', 'keep'], ['--plan', '--session-policy', 'DROP-ALL']]) {
      const r = await keyturnIn(home, ['rollback', '--cluster', 'acme', '--confirm', ...args]);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--session-policy: '(keep|DROP-ALL)' is not a session policy; the allowed values are drop-online, keep-all, drop-all\./);
      expect(r.stderr).toMatch(/hint: Use --session-policy drop-online/);
    }
    expect(listRuns(services.db)).toHaveLength(before);
  });

  it('reaches the restore step of the run it starts, with the prediction in the run record and its rollback.planned event', async () => {
    const r = await keyturnIn(home, ['rollback', '--cluster', 'acme', '--confirm', '--session-policy', 'drop-all', '--json']);
    // The real engine ran it and stopped at preflight: no node has a pinned host key.
    expect(r.exitCode, r.stderr).toBe(7);
    const run = listRuns(services.db).find((x) => x.kind === 'rollback')!;
    expect(run).toMatchObject({ strategy: 'restore', status: 'failed', error: { code: 'host-key-unconfirmed' } });
    const { steps } = getRun(services.db, run.id);
    const events = listEvents(services.db, run.id);
    const restore = steps.find((s) => s.kind === 'db.restore')!;
    expect(restore).toMatchObject({ status: 'pending' });
    expect(services.db.prepare('SELECT params_json FROM steps WHERE run_id = ? AND seq = ?').get(run.id, restore.seq)).toMatchObject({ params_json: expect.stringContaining('"sessionPolicy":"drop-all"') as string });
    const planned = events.find((e) => e.kind === 'rollback.planned')!;
    expect(planned.data).toMatchObject({ mode: 'restore', sessionPolicy: 'drop-all', predictedDowntimeSeconds: 68, predictedDowntimeBasis: expect.stringContaining("from this cluster's recorded steps") as string });
    expect(String(planned.data.message)).toContain('Predicted downtime: about 68 s');
    expect(runStates(services.db, run.id).toState).toMatchObject({ version: '26.5.6', undoes: upgradeId, predictedDowntimeSeconds: 68 });
    // Nothing was restored: the live database still holds the migrated schema, and nothing was kept.
    expect(await services.backups.compareWithLive(services.backups.list('acme')[0]!.id)).toMatchObject({ relation: 'ahead' });
    expect(services.backups.retained('acme')).toEqual([]);
  });
});
