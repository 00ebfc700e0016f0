/** Handlers of `upgrade:*`, `rollback:*` and the run controls. Long runs return their id at once. */
import type { Services } from './services.ts';
import type { Handlers } from './dispatch.ts';

type UpgradeChannels = 'upgrade:start' | 'runs:pause' | 'runs:abort' | 'runs:resume' | 'rollback:plan' | 'rollback:start';

/** A run's failure is recorded in the ledger and shown from there; nothing is left unhandled. */
const detach = (p: Promise<unknown>) => void p.catch(() => undefined);

export function upgradeHandlers(s: Services): Pick<Handlers, UpgradeChannels> {
  return {
    'upgrade:start': async (input) => {
      const { runId, done } = await s.upgrades.start(input);
      detach(done);
      return { runId };
    },
    'runs:pause': ({ runId }) => s.upgrades.pause(runId),
    'runs:abort': ({ runId }) => s.upgrades.abort(runId),
    'runs:resume': async ({ runId }) => {
      const { done } = await s.upgrades.resume(runId);
      detach(done);
      return { runId };
    },
    'rollback:plan': ({ cluster, sessionPolicy, keepGreen }) => s.rollbacks.plan(cluster, sessionPolicy, keepGreen === true),
    'rollback:start': async ({ cluster, confirm, sessionPolicy, keepGreen }) => {
      const { runId, done } = await s.rollbacks.start(cluster, confirm, sessionPolicy, keepGreen === true);
      detach(done);
      return { runId };
    },
  };
}
