/** Handlers of `lab:*`. Long operations return their run id at once; progress arrives as run events. */
import { labStatus } from '../lab/lab-status.ts';
import type { Services } from './services.ts';
import type { Handlers } from './dispatch.ts';

export function labHandlers(s: Services): Pick<Handlers, `lab:${string}` & keyof Handlers> {
  return {
    'lab:doctor': () => s.lab.doctor(),
    'lab:installPlan': () => s.lab.installPlan(),
    'lab:installPrerequisites': async () => {
      const { runId, done } = await s.lab.installPrerequisites();
      done.catch(() => undefined); // recorded in the run
      return { runId };
    },
    'lab:status': () => labStatus(s.db, s.lab.paths),
    'lab:up': async (input) => {
      const { runId, done } = await s.lab.up({ ...(input?.version ? { version: input.version } : {}), nodes: input?.nodes ?? 2 });
      done.catch(() => undefined); // the failure is recorded in the run; the console reads it from there
      return { runId };
    },
    'lab:down': async () => {
      const { runId, done } = await s.lab.down();
      done.catch(() => undefined);
      return { runId };
    },
  };
}
