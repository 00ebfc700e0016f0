/**
 * The one handler registry, spread from per-domain maps. Electron IPC and the
 * browser bridge both serve exactly this object, so they cannot drift apart.
 */
import type { Services } from './services.ts';
import { appHandlers } from './app-handlers.ts';
import { backupHandlers } from './backup-handlers.ts';
import { clusterHandlers } from './cluster-handlers.ts';
import type { Handlers } from './dispatch.ts';
import { labHandlers } from './lab-handlers.ts';
import { planHandlers } from './plan-handlers.ts';
import { probeHandlers } from './probe-handlers.ts';
import { reportHandlers } from './report-handlers.ts';
import { runHandlers } from './run-handlers.ts';
import { standbyHandlers } from './standby-handlers.ts';
import { upgradeHandlers } from './upgrade-handlers.ts';

export function createHandlers(s: Services): Handlers {
  return {
    ...appHandlers(s),
    ...clusterHandlers(s),
    ...runHandlers(s),
    ...labHandlers(s),
    ...planHandlers(s),
    ...backupHandlers(s),
    ...probeHandlers(s),
    ...upgradeHandlers(s),
    ...standbyHandlers(s),
    ...reportHandlers(s),
  };
}
