/**
 * Handlers of `plan:*`. `plan:start` returns its run id at once so the
 * Pre-flight step can follow kc.sh's output as run events; `plan:get` then
 * reads the stored plan. `plan:compute` waits for the whole plan.
 */
import type { Services } from './services.ts';
import type { Handlers } from './dispatch.ts';

export function planHandlers(s: Services): Pick<Handlers, `plan:${string}` & keyof Handlers> {
  return {
    'plan:versions': (input) => s.plan.versions(input ?? {}),
    'plan:metadata': (input) => s.plan.captureMetadata(input),
    'plan:start': async (input) => {
      const { runId, done } = await s.plan.start(input);
      done.catch(() => undefined); // the failure is recorded in the run; plan:get reports it
      return { runId };
    },
    'plan:get': ({ runId }) => s.plan.get(runId),
    'plan:compute': (input) => s.plan.compute(input),
  };
}
