/**
 * Builds every service on plain dependencies (a ledger, an event bus, a home
 * directory), so the same objects serve Electron IPC, the browser bridge, the
 * CLI and the tests. Nothing here imports 'electron'.
 */
import { hostname, userInfo } from 'node:os';
import type { AppInfo } from '../../shared/contract/index.ts';
import { openLedger, schemaVersion, type Ledger } from '../ledger/open-ledger.ts';
import { markInterrupted } from '../ledger/runs-repo.ts';
import { appVersion } from '../services/app-version.ts';
import { createClusterService, type ClusterService } from '../services/cluster-service.ts';
import { createArtifactService, type ArtifactService } from '../services/artifact-service.ts';
import { createBackupService, type BackupService } from '../services/backup-service.ts';
import { createLabService, type LabService } from '../lab/lab-service.ts';
import { createPlanService, type PlanService } from '../services/plan-service.ts';
import { createStandbyService, type StandbyService } from '../services/standby-service.ts';
import { createUpgradeService, type UpgradeService } from '../engine/upgrade-service.ts';
import { createRollbackService, type RollbackService } from '../engine/rollback-service.ts';
import { EventBus } from '../runs/event-bus.ts';
import { keyturnHome, ledgerPathIn } from '../services/paths.ts';
import { isOwnerAlive } from '../runs/process-owner.ts';

export interface ServicesOptions {
  /** Data directory; defaults to KEYTURN_HOME or the OS user-data dir. */
  home?: string;
  mode: AppInfo['mode'] | 'cli';
}

/** Everything a transport or command needs; built once per process. */
export interface Services {
  home: string;
  ledgerPath: string;
  db: Ledger;
  bus: EventBus;
  /** `pid@hostname`, recorded on runs and locks. */
  owner: string;
  /** Recorded on every run this process starts (runs.origin, runs.started_by). */
  origin: { via: 'console' | 'browser' | 'cli'; startedBy: string };
  mode: ServicesOptions['mode'];
  clusters: ClusterService;
  artifacts: ArtifactService;
  lab: LabService;
  plan: PlanService;
  backups: BackupService;
  upgrades: UpgradeService;
  rollbacks: RollbackService;
  standby: StandbyService;
  appInfo(): AppInfo;
  close(): void;
}

export function createServices(opts: ServicesOptions): Services {
  const home = opts.home ?? keyturnHome();
  const ledgerPath = ledgerPathIn(home);
  const db: Ledger = openLedger(ledgerPath);
  // Runs left "running" by a Keyturn that died are shown as interrupted, never as still going.
  markInterrupted(db, isOwnerAlive);
  const bus = new EventBus();
  const owner = `${process.pid}@${hostname()}`;
  // Every run this process starts records where it came from and who started it (the run report's "change").
  const origin = { via: opts.mode === 'electron' ? ('console' as const) : opts.mode, startedBy: `${hostUser()}@${hostname()}` };
  const artifacts = createArtifactService(db, home);
  const plan = createPlanService({ db, bus, owner, origin, home, artifacts });
  const backups = createBackupService({ db, home });
  // The engine records metadata after every deploy so the next plan starts from what really runs.
  const engineDeps = { db, bus, owner, origin, home, artifacts, backups };
  return {
    home,
    ledgerPath,
    db,
    bus,
    owner,
    origin,
    mode: opts.mode,
    clusters: createClusterService(db),
    artifacts,
    lab: createLabService({ db, bus, owner, origin, home, artifacts }),
    plan,
    backups,
    upgrades: createUpgradeService(engineDeps, plan),
    rollbacks: createRollbackService(engineDeps),
    standby: createStandbyService({ db, owner }),
    appInfo: (): AppInfo => ({
      version: appVersion(),
      mode: opts.mode === 'cli' ? 'browser' : opts.mode,
      home,
      ledgerPath,
      schemaVersion: schemaVersion(db),
    }),
    close: () => db.close(),
  };
}


/** The operating-system user running Keyturn; `unknown` where the system cannot say (no passwd entry in a container). */
function hostUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
