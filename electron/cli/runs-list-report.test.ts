/**
 * `keyturn runs list` points at each run's report (issue 14): a REPORT column
 * with the `keyturn report <id>` command, and in --json a `reportCommand`
 * field added beside the fields scripts already read (none renamed). The
 * command it names works: run as printed, it writes that run's report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSummarySchema } from '../../shared/contract/index.ts';
import { keyturnIn, tempDirs } from '../../test/unit/cli-harness.ts';
import { recordRuns, type RecordedRuns } from '../reports/test-support/recorded-runs.ts';
import { ledgerPathIn } from '../services/paths.ts';

const dirs = tempDirs('keyturn-runs-list-report-');
const home = dirs.make();
let rec: RecordedRuns;
beforeAll(async () => {
  rec = await recordRuns(ledgerPathIn(home));
  rec.db.close();
});
afterAll(() => dirs.cleanup());

describe('keyturn runs list', () => {
  it('adds reportCommand to each run in --json and keeps every field of the run summary', async () => {
    const r = await keyturnIn(home, ['runs', 'list', '--json']);
    expect(r.exitCode).toBe(0);
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(list.map((x) => x.id).sort()).toEqual([rec.planRunId, rec.upgradeRunId, rec.runningRunId].sort());
    for (const x of list) {
      expect(x.reportCommand).toBe(`keyturn report ${String(x.id)}`);
      const { reportCommand: _, ...summary } = x;
      // The old shape, exactly: parsing with the strict summary schema fails on a renamed or missing field.
      expect(runSummarySchema.parse(summary)).toEqual(summary);
    }
  });

  it('shows a REPORT column whose command writes that run\'s report', async () => {
    const r = await keyturnIn(home, ['runs', 'list']);
    expect(r.exitCode).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/\bREPORT\s*$/);
    const row = rows.find((l) => l.startsWith(rec.upgradeRunId))!;
    expect(row).toMatch(new RegExp(`keyturn report ${rec.upgradeRunId}\\s*$`));
    const [, sub, id] = /keyturn (report) (\S+)\s*$/.exec(row)!;
    const report = await keyturnIn(home, [sub!, id!, '--format', 'json']);
    expect(report.exitCode).toBe(0);
    expect((JSON.parse(report.stdout) as { run: { id: string } }).run.id).toBe(rec.upgradeRunId);
  });
});
