/**
 * `keyturn report` on a real ledger in a temp KEYTURN_HOME: JSON on stdout
 * that validates, the cluster's secret (read from its reference) masked,
 * files written whole and never replaced without --force, and every bad
 * input refused with a hint and the documented exit code.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReportSchema } from '../../shared/contract/index.ts';
import { keyturnIn, tempDirs } from '../../test/unit/cli-harness.ts';
import { plantedSecret, recordRuns, secretEnvName, type RecordedRuns } from '../reports/test-support/recorded-runs.ts';
import { createServices } from '../registry/services.ts';
import { ledgerPathIn } from '../services/paths.ts';

const dirs = tempDirs('keyturn-report-cli-');
const home = dirs.make();
let rec: RecordedRuns;
beforeAll(async () => {
  rec = await recordRuns(ledgerPathIn(home));
  rec.db.close();
  process.env[secretEnvName] = plantedSecret;
});
afterAll(() => {
  delete process.env[secretEnvName];
  dirs.cleanup();
});

describe('keyturn report', () => {
  it('prints the JSON report, valid against its schema, with the secret the cluster references masked', async () => {
    const r = await keyturnIn(home, ['report', rec.upgradeRunId, '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const report = runReportSchema.parse(JSON.parse(r.stdout));
    expect(report.run.id).toBe(rec.upgradeRunId);
    expect(report.backup?.id).toBe(rec.backupId);
    expect(r.stdout).not.toContain(plantedSecret);
    expect(report.decision?.kcshOutput).toContain('db-password ***');
  });

  it('writes HTML to --out, refuses to replace it without --force, replaces it with --force', async () => {
    const out = join(home, 'report.html');
    const first = await keyturnIn(home, ['report', rec.runningRunId, '--out', out]);
    expect(first.exitCode).toBe(0);
    expect(first.stderr).toContain('(in progress)');
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('IN PROGRESS');
    expect(html).toContain('bob@console.example');

    writeFileSync(out, 'kept');
    const refused = await keyturnIn(home, ['report', rec.upgradeRunId, '--out', out]);
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toContain(`${out} exists; the report was not written.`);
    expect(refused.stderr).toContain('hint: Pass another --out, or add --force');
    expect(readFileSync(out, 'utf8')).toBe('kept');

    const forced = await keyturnIn(home, ['report', rec.upgradeRunId, '--out', out, '--force']);
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain(rec.upgradeRunId);
  });

  it('writes a PDF to --out', async () => {
    const out = join(home, 'report.pdf');
    const r = await keyturnIn(home, ['report', rec.upgradeRunId, '--format', 'pdf', '--out', out]);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(out).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('refuses a bad format, a malformed run id and a PDF without --out (exit 2), an unknown run (exit 3), each with a hint', async () => {
    const format = await keyturnIn(home, ['report', rec.upgradeRunId, '--format', 'docx']);
    expect(format.exitCode).toBe(2);
    expect(format.stderr).toContain("--format: 'docx' is not a report format; the formats are html, pdf, json.");
    expect(format.stderr).toContain('hint: Use --format html');

    const id = await keyturnIn(home, ['report', 'last-tuesday']);
    expect(id.exitCode).toBe(2);
    expect(id.stderr).toContain("'last-tuesday' is not a run id");
    expect(id.stderr).toContain('hint: Pick a run from `keyturn runs list`');

    const pdf = await keyturnIn(home, ['report', rec.upgradeRunId, '--format', 'pdf']);
    expect(pdf.exitCode).toBe(2);
    expect(pdf.stderr).toContain('A PDF report needs --out');

    const unknown = await keyturnIn(home, ['report', '0f8fad5b-d9cb-469f-a165-70867728950e']);
    expect(unknown.exitCode).toBe(3);
    expect(unknown.stderr).toContain('No run with id 0f8fad5b-d9cb-469f-a165-70867728950e.');
    expect(unknown.stderr).toContain('hint: Pick a run from the history (`keyturn runs list`)');

    const missing = await keyturnIn(home, ['report']);
    expect(missing.exitCode).toBe(2);
  });

  it("records where a run came from: this process's services stamp cli (or console for Electron) and the host user", () => {
    const cli = createServices({ home: dirs.make(), mode: 'cli' });
    const app = createServices({ home: dirs.make(), mode: 'electron' });
    try {
      expect(cli.origin).toEqual({ via: 'cli', startedBy: `${userInfo().username}@${hostname()}` });
      expect(app.origin.via).toBe('console');
    } finally {
      cli.close();
      app.close();
    }
  });

  it('writes nothing when the --out directory does not exist', async () => {
    const out = join(home, 'no-such-dir', 'r.html');
    const r = await keyturnIn(home, ['report', rec.upgradeRunId, '--out', out]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('hint: Pass --out a file path in an existing, writable directory');
    expect(existsSync(out)).toBe(false);
  });
});
