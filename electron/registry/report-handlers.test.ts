/**
 * `reports:export` through the one registry (what Electron IPC and the browser
 * bridge serve), on a real ledger filled by the engine's recording functions:
 * HTML and JSON come back as text, the PDF as base64 of a real PDF, each with
 * its file name; the cluster's secret is masked exactly as `keyturn report`
 * masks it (the JSON equals the CLI's, generation time aside); an unknown run
 * is `not-found` and a bad format `invalid-input`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportedReportSchema, runReportSchema, type ExportedReport } from '../../shared/contract/index.ts';
import { keyturnIn, tempDirs } from '../../test/unit/cli-harness.ts';
import { plantedSecret, recordRuns, secretEnvName, type RecordedRuns } from '../reports/test-support/recorded-runs.ts';
import { ledgerPathIn } from '../services/paths.ts';
import { dispatch, type Handlers } from './dispatch.ts';
import { createHandlers } from './handlers.ts';
import { createServices, type Services } from './services.ts';

const ctx = { transport: 'test' as const };
const dirs = tempDirs('keyturn-report-handlers-');
const home = dirs.make();
let rec: RecordedRuns;
let services: Services;
let handlers: Handlers;

beforeAll(async () => {
  rec = await recordRuns(ledgerPathIn(home));
  rec.db.close();
  process.env[secretEnvName] = plantedSecret;
  services = createServices({ home, mode: 'cli' });
  handlers = createHandlers(services);
});
afterAll(() => {
  services?.close();
  delete process.env[secretEnvName];
  dirs.cleanup();
});

async function exportOk(runId: string, format: string): Promise<ExportedReport> {
  const r = await dispatch(handlers, 'reports:export', { runId, format }, ctx);
  if (!r.ok) throw new Error(`reports:export failed: ${JSON.stringify(r.error)}`);
  return exportedReportSchema.parse(r.data);
}

const namePattern = (runId: string, ext: string) => new RegExp(`^keyturn-acme-prod-${runId.slice(0, 8)}-\\d{4}-\\d{2}-\\d{2}\\.${ext}$`);

describe('reports:export', () => {
  it('returns the HTML report as text, named for the cluster, the run and its day, with the secret masked', async () => {
    const x = await exportOk(rec.upgradeRunId, 'html');
    expect(x).toMatchObject({ runId: rec.upgradeRunId, format: 'html', mimeType: 'text/html', encoding: 'utf8', inProgress: false });
    expect(x.fileName).toMatch(namePattern(rec.upgradeRunId, 'html'));
    expect(x.content).toMatch(/^<!doctype html>/);
    expect(x.content).toContain(`<title>Keyturn run report: acme-prod, upgrade ${rec.upgradeRunId}</title>`);
    expect(x.bytes).toBe(Buffer.byteLength(x.content));
    expect(x.content).not.toContain(plantedSecret);
  });

  it('returns the JSON report the CLI prints, masked the same way', async () => {
    const x = await exportOk(rec.upgradeRunId, 'json');
    expect(x).toMatchObject({ mimeType: 'application/json', encoding: 'utf8' });
    expect(x.fileName).toMatch(namePattern(rec.upgradeRunId, 'json'));
    const report = runReportSchema.parse(JSON.parse(x.content));
    expect(x.content).not.toContain(plantedSecret);
    expect(report.decision?.kcshOutput).toContain('db-password ***');
    const cli = await keyturnIn(home, ['report', rec.upgradeRunId, '--format', 'json']);
    expect(cli.exitCode).toBe(0);
    const fromCli = runReportSchema.parse(JSON.parse(cli.stdout));
    expect({ ...report, generatedAt: null }).toEqual({ ...fromCli, generatedAt: null });
  });

  it('returns the PDF as base64 of a PDF, and marks a run still going', async () => {
    const x = await exportOk(rec.runningRunId, 'pdf');
    expect(x).toMatchObject({ format: 'pdf', mimeType: 'application/pdf', encoding: 'base64', inProgress: true });
    expect(x.fileName).toMatch(namePattern(rec.runningRunId, 'pdf'));
    const pdf = Buffer.from(x.content, 'base64');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBe(x.bytes);
  }, 120_000);

  it('answers not-found for an unknown run and invalid-input for an unknown format', async () => {
    const unknown = await dispatch(handlers, 'reports:export', { runId: '0f8fad5b-d9cb-469f-a165-70867728950e', format: 'html' }, ctx);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not-found' } });
    if (!unknown.ok) expect(unknown.error.hint).toContain('keyturn runs list');
    const bad = await dispatch(handlers, 'reports:export', { runId: rec.upgradeRunId, format: 'docx' }, ctx);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    if (!bad.ok) expect(bad.error.message).toContain('format');
  });
});
