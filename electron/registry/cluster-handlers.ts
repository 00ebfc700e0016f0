/** Handlers of the `clusters:*` channels. */
import type { Services } from './services.ts';
import type { Handlers } from './dispatch.ts';

export function clusterHandlers(s: Services): Pick<Handlers, `clusters:${string}` & keyof Handlers> {
  return {
    'clusters:list': () => s.clusters.list(),
    'clusters:get': ({ name }) => s.clusters.get(name),
    'clusters:register': ({ spec }) => s.clusters.register(spec),
    'clusters:update': ({ name, spec }) => s.clusters.update(name, spec),
    'clusters:remove': ({ name }) => s.clusters.remove(name),
    'clusters:scanHostKeys': ({ name }) => s.clusters.scanHostKeys(name),
    'clusters:pinHostKeys': ({ name, confirm }) => s.clusters.pinHostKeys(name, confirm),
  };
}
