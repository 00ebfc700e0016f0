/**
 * `keyturn runs show ID --json` carries `dataSafety` (issue 13): read back
 * from the run's own events in a real ledger, for the blue/green upgrade and
 * its switch back recorded the way the engine records them; null for a run
 * that moved no data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataSafetySchema } from '../../shared/contract/index.ts';
import { keyturnIn, tempDirs } from '../../test/unit/cli-harness.ts';
import { recordBlueGreen, type RecordedBlueGreen } from '../reports/test-support/recorded-blue-green.ts';
import { recordRuns, type RecordedRuns } from '../reports/test-support/recorded-runs.ts';
import { ledgerPathIn } from '../services/paths.ts';

const dirs = tempDirs('keyturn-runs-show-ds-');
const home = dirs.make();
let rec: RecordedRuns;
let bg: RecordedBlueGreen;
beforeAll(async () => {
  rec = await recordRuns(ledgerPathIn(home));
  bg = await recordBlueGreen(rec.db);
  rec.db.close();
});
afterAll(() => dirs.cleanup());

const show = async (id: string) => {
  const r = await keyturnIn(home, ['runs', 'show', id, '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { dataSafety: unknown };
};

describe('keyturn runs show --json: dataSafety', () => {
  it('a blue/green upgrade: its clone point, the window until the switch, and the freeze (off here)', async () => {
    const ds = dataSafetySchema.parse((await show(bg.upgradeRunId)).dataSafety);
    expect(ds.switchedAt).toBe(bg.switchedAt);
    expect(ds.clonePoint).not.toBeNull();
    expect(ds.windowMs).toBe(Date.parse(bg.switchedAt) - Date.parse(ds.clonePoint!));
    expect(ds.freeze).toEqual({ on: false, from: null, until: null });
  });

  it('upgrade --plan refuses a --freeze or --sessions the approved plan does not carry, before any work (exit 2)', async () => {
    const decided = await keyturnIn(home, ['runs', 'list', '--json']);
    const plans = (JSON.parse(decided.stdout) as { id: string; kind: string; clusterName: string }[]).filter((r) => r.kind === 'plan' && r.clusterName === bg.clusterName);
    expect(plans.length, `plans of ${bg.clusterName}`).toBeGreaterThan(0);
    for (const [flag, value, said] of [['--freeze', 'on', /does not freeze writes, not --freeze on/], ['--sessions', 'drop-all', /keeps sessions keep-all, not drop-all/]] as const) {
      const r = await keyturnIn(home, ['upgrade', '--cluster', bg.clusterName, '--to', '26.7.3', '--strategy', 'blue-green', '--plan', plans[0]!.id, flag, value, '--yes']);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(said);
    }
  });

  it('a rolling upgrade has none', async () => {
    expect((await show(rec.upgradeRunId)).dataSafety).toBeNull();
  });
});
