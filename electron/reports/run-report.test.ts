/**
 * The run report model against a real SQLite ledger on disk filled by the
 * engine's own recording functions: the JSON validates against its schema,
 * every figure equals what the ledger holds (the availability figures equal
 * the prober's own arithmetic), a run still going says so, and a secret the
 * ledger's writers did not know never reaches the report.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReportSchema } from '../../shared/contract/index.ts';
import { measureDowntime } from '../engine/downtime.ts';
import { maintenanceWindow, summarize } from '../../shared/domain/probe-stats.ts';
import { getBackup } from '../ledger/backups-repo.ts';
import { getPlan } from '../ledger/plans-repo.ts';
import { listProbeSamples } from '../ledger/probe-samples-repo.ts';
import { getRun } from '../ledger/runs-repo.ts';
import { buildRunReport } from './run-report.ts';
import { plantedSecret, recordRuns, type RecordedRuns } from './test-support/recorded-runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'keyturn-report-'));
let rec: RecordedRuns;
beforeAll(async () => {
  rec = await recordRuns(join(dir, 'ledger.sqlite'));
});
afterAll(() => {
  rec?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the run report of a finished rolling upgrade', () => {
  it('validates against its schema, version 1, through a JSON round trip', () => {
    const report = buildRunReport(rec.db, rec.upgradeRunId, { secrets: [plantedSecret] });
    const parsed = runReportSchema.parse(JSON.parse(JSON.stringify(report)));
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.inProgress).toBe(false);
    // a document with a field of the wrong type is refused: the schema is not a pass-through
    expect(runReportSchema.safeParse({ ...parsed, availability: { ...parsed.availability, requests: 'many' } }).success).toBe(false);
    expect(runReportSchema.safeParse({ ...parsed, schemaVersion: 2 }).success).toBe(false);
  });

  it('holds exactly what the ledger holds: change, versions, decision, backup, steps, nodes, final state', () => {
    const r = buildRunReport(rec.db, rec.upgradeRunId);
    const { run, steps } = getRun(rec.db, rec.upgradeRunId);
    const plan = getPlan(rec.db, rec.planRunId)!;
    const backup = getBackup(rec.db, rec.backupId);

    expect(r.change).toEqual({ cluster: 'acme-prod', environment: 'production', origin: 'cli', startedBy: 'alice@laptop.example', executedBy: expect.stringMatching(/^\d+@/) });
    expect(r.versions).toMatchObject({ from: '26.7.0', to: '26.7.3', change: plan.change.label });
    expect(r.versions.options).toEqual([{ key: 'log-level', from: null, to: 'info' }]);
    expect(r.versions.features).toEqual([{ key: 'features', from: 'persistent-user-sessions', to: 'persistent-user-sessions,token-exchange' }]);
    expect(r.decision).toMatchObject({ planRunId: rec.planRunId, exitCode: 0, verdict: 'rolling', recommended: plan.recommended, reasons: plan.reasons, command: plan.check.command });
    expect(r.decision?.kcshOutput).toContain('[OK] Rolling Update is available.');
    expect(r.strategy).toMatchObject({ name: 'rolling', why: plan.strategies.find((s) => s.name === 'rolling')!.why, canary: false });
    expect(r.backup).toEqual({ id: backup.id, createdAt: backup.createdAt, size: 7_340_032, sha256: backup.sha256, keycloakVersion: '26.7.0', walLsn: '0/3A1F2B8', verifiedAt: backup.verifiedAt,
      lastVerification: { ok: true, at: backup.lastVerification!.at, error: null } });
    expect(backup.verifiedAt).not.toBeNull();

    expect(r.steps.map((s) => [s.seq, s.kind, s.title, s.node, s.status, s.startedAt, s.finishedAt])).toEqual(steps.map((s) => [s.seq, s.kind, s.title, s.node, s.status, s.startedAt, s.finishedAt]));
    expect(r.steps.every((s) => s.planned && s.durationMs !== null && s.durationMs >= 0)).toBe(true);
    expect(r.nodes.map((n) => [n.node, n.timeline.map((t) => t.state), n.finalState])).toEqual([
      ['n1', ['waiting', 'draining', 'installing', 'ready', 'joined'], 'joined'],
      ['n2', ['waiting', 'draining', 'installing', 'ready', 'joined'], 'joined'],
    ]);
    expect(r.run).toMatchObject({ id: run.id, status: 'succeeded', startedAt: run.startedAt, finishedAt: run.finishedAt });
    expect(r.finalState).toMatchObject({ status: 'succeeded', reachedVersion: '26.7.3', clusterVersionNow: '26.7.3' });
    expect(r.dataSafety.clonePoint).toBe(backup.createdAt);
    expect(r.wayBack.command).toBe('keyturn rollback --cluster acme-prod --plan');
    // the recreate recorded after it (still going, maintenance on) stands in front of it
    expect(r.wayBack.summary).toContain(`A later upgrade (run ${rec.runningRunId})`);
    expect(r.wayBack.rollbacks).toEqual([]);
  });

  it("gives the availability figures the prober's own arithmetic gives from the same samples", () => {
    const r = buildRunReport(rec.db, rec.upgradeRunId).availability;
    const samples = listProbeSamples(rec.db, rec.upgradeRunId);
    const s = summarize(samples);
    const w = maintenanceWindow(samples)!;
    expect(r).toMatchObject({ probed: true, requests: s.requests, ok: s.ok, failed: s.failed, p50Ms: s.p50Ms, p99Ms: s.p99Ms, maxMs: s.maxMs, failedByReason: s.failuresByReason, firstRequestAt: s.firstAt, lastRequestAt: s.lastAt });
    expect(r).toMatchObject({ requests: 600, failed: 4, failedByReason: { refused: 2, timeout: 1, 'http-503': 1 } });
    expect(r.firstFailureAt).toBe(new Date(w.startMs).toISOString());
    expect(r.lastFailureAt).toBe(new Date(w.endMs).toISOString());
    // a rolling run has no outage step: its failures are counted, not called downtime (as the engine's downtime.measured)
    expect(w.seconds).toBeGreaterThan(0);
    expect(r.measuredDowntimeSeconds).toBeNull();
    expect(r.maintenance).toBeNull();
    expect(r.slices.reduce((n, x) => n + x.ok + x.failed, 0)).toBe(600);
    expect(r.slices.reduce((n, x) => n + x.failed, 0)).toBe(4);
  });

  it('masks a secret the ledger holds in plain text (an event, kc.sh output) once the report knows it, and the patterns always', () => {
    // the ledger does hold it: the writers did not know it
    expect(JSON.stringify(getPlan(rec.db, rec.planRunId))).toContain(plantedSecret);
    expect(JSON.stringify(buildRunReport(rec.db, rec.upgradeRunId, { secrets: [plantedSecret] }))).not.toContain(plantedSecret);
    expect(buildRunReport(rec.db, rec.upgradeRunId, { secrets: [plantedSecret] }).decision?.kcshOutput).toContain('db-password ***');
  });
});

describe('the run report of a run still going', () => {
  it('says it is in progress, with the maintenance window still open and clients turned away', () => {
    const r = buildRunReport(rec.db, rec.runningRunId);
    expect(r.inProgress).toBe(true);
    expect(r.run.status).toBe('running');
    expect(r.availability.maintenance).toEqual({ startedAt: getRun(rec.db, rec.runningRunId).steps[1]!.startedAt, endedAt: null });
    expect(r.availability.failedByReason).toEqual({ maintenance: 3 });
    expect(r.availability.predictedDowntimeSeconds).toBe(40);
    // the outage counts from the maintenance step's start: first to last maintenance answer (2 s apart)
    expect(r.availability.measuredDowntimeSeconds).toBe(2);
    expect(measureDowntime(rec.db, rec.runningRunId, 40)?.measuredSeconds).toBe(2);
    expect(r.decision).toBeNull();
    expect(r.wayBack.summary).toMatch(/still in maintenance: every client gets 503/);
    expect(r.wayBack.summary).toContain('Rollback undoes this run to Keycloak 26.7.3 with no backup');
    expect(r.wayBack.command).toBe('keyturn rollback --cluster acme-prod --plan');
    expect(r.finalState.summary).toMatch(/^Still running/);
  });

  it('refuses a run id the ledger does not have, naming where to look', () => {
    expect(() => buildRunReport(rec.db, '0f8fad5b-d9cb-469f-a165-70867728950e')).toThrow(expect.objectContaining({ code: 'not-found', hint: expect.stringContaining('keyturn runs list') }));
  });
});
