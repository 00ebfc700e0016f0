/** Handlers of the `backups:*` channels. */
import type { Services } from './services.ts';
import type { Handlers } from './dispatch.ts';

export function backupHandlers(s: Services): Pick<Handlers, `backups:${string}` & keyof Handlers> {
  return {
    'backups:list': ({ cluster }) => s.backups.list(cluster),
    'backups:create': ({ cluster }) => s.backups.create(cluster),
    'backups:verify': ({ id }) => s.backups.verify(id),
  };
}
