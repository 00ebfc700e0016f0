/** Handlers of the `backups:*` channels. */
import { KeyturnError } from '../../shared/errors.ts';
import type { Services } from './services.ts';
import type { Handlers } from './dispatch.ts';

export function backupHandlers(s: Services): Pick<Handlers, `backups:${string}` & keyof Handlers> {
  return {
    'backups:list': ({ cluster }) => s.backups.list(cluster),
    'backups:create': ({ cluster }) => s.backups.create(cluster),
    'backups:verify': ({ id }) => s.backups.verify(id),
    'backups:lostWrites': ({ id }) => s.backups.lostWritesSince(id),
    'backups:retained': ({ cluster }) => s.backups.retained(cluster),
    // The schema already refused a confirmation that is not the name; one name in, the one dropped row out (or not-found).
    'backups:prune': async ({ cluster, name }) => {
      const [dropped] = await s.backups.pruneRetained(cluster, [name]);
      if (!dropped) throw new KeyturnError('not-found', `Cluster '${cluster}' has no kept database named "${name}"; nothing was dropped.`, 'List them with backups:retained (keyturn backup retained).');
      return dropped;
    },
  };
}
