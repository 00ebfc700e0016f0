/**
 * `standby:*`: what the ledger knows of a cluster's blue/green colours, so
 * the console and `keyturn standby list` show the same thing: which colour
 * serves, which one is kept as standby, and since when; and decommissioning
 * the standby, with the typed confirmation the console asks for.
 */
import { clusterIdByName } from '../ledger/clusters-repo.ts';
import { listColours } from '../ledger/colours-repo.ts';
import type { Handlers } from './dispatch.ts';
import type { Services } from './services.ts';

export function standbyHandlers(s: Services): Pick<Handlers, 'standby:list' | 'standby:decommission'> {
  return {
    'standby:list': ({ cluster, all }) => listColours(s.db, clusterIdByName(s.db, cluster), { includeDestroyed: all === true }),
    'standby:decommission': ({ cluster, confirm, colour }) => s.standby.decommission({ cluster, confirm, colour }),
  };
}
