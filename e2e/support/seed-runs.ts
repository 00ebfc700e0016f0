/**
 * Seeds the ledger a console will use with recorded runs, written by the same
 * functions the engine records with (electron/reports/test-support/recorded-runs.ts):
 * a finished rolling upgrade of acme-prod and a recreate still going. No lab,
 * no UI round trip: a run needs the engine to exist, this gives the console one.
 * Call before `startConsole(home)`; the ledger is closed again on return.
 */
import { mkdirSync } from 'node:fs';
import { recordRuns } from '../../electron/reports/test-support/recorded-runs.ts';
import { ledgerPathIn } from '../../electron/services/paths.ts';

export { plantedSecret, secretEnvName } from '../../electron/reports/test-support/recorded-runs.ts';

/** The seeded runs' ids and their cluster's name. */
export interface SeededRuns {
  clusterName: string;
  upgradeRunId: string;
  runningRunId: string;
}

/** Records the runs into `home`'s ledger. */
export async function seedRecordedRuns(home: string): Promise<SeededRuns> {
  mkdirSync(home, { recursive: true });
  const rec = await recordRuns(ledgerPathIn(home));
  rec.db.close();
  return { clusterName: rec.clusterName, upgradeRunId: rec.upgradeRunId, runningRunId: rec.runningRunId };
}
