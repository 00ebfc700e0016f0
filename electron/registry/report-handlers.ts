/** Handlers of the `reports:*` channels: the run report, packed for the console to save. */
import { exportRunReport } from '../reports/export-report.ts';
import { resolveSecretRef } from '../services/secret-refs.ts';
import type { Handlers } from './dispatch.ts';
import type { Services } from './services.ts';

export function reportHandlers(s: Services): Pick<Handlers, `reports:${string}` & keyof Handlers> {
  return {
    'reports:export': ({ runId, format }) => exportRunReport(s.db, runId, format, (ref, what) => resolveSecretRef(ref, what)),
  };
}
