/**
 * The fleet view's "what to do next" for one cluster, from facts the ledger
 * and the known published versions give: a stopped run first, then what is
 * missing for a safe upgrade (a backup), then the upgrades available, then
 * housekeeping (a standby left running).
 *
 * Why pure and separate: the console, `keyturn cluster list --json` and any
 * later notifier must say the same thing for the same facts, and the wording
 * must never claim more than was checked. The only strategy word it uses is
 * "rolling" for a patch, because that is what Keycloak's own rules say for a
 * patch upgrade on 26.6+ (rolling-updates:v2 on by default); anything else
 * ("plan it to see the strategy") needs `update-compatibility check`, which
 * only a plan runs. No versions known (air-gapped, nothing fetched yet): no
 * version advice at all rather than a guess.
 */
import { classifyChange, compareVersions, parseVersion, rollingPossibleInPrinciple } from './versions.ts';

export type NextActionSeverity = 'critical' | 'warning' | 'info';
export type NextActionKind = 'resume-run' | 'patch' | 'no-backup' | 'backup-stale' | 'backup-unverified' | 'standby' | 'minor';

/** One thing a cluster needs, in words an on-call operator acts on. */
export interface NextAction {
  kind: NextActionKind;
  severity: NextActionSeverity;
  text: string;
}

/** What the next action is decided from; every field is a fact read elsewhere (ledger, Maven). */
export interface NextActionFacts {
  /** The Keycloak version the cluster runs. */
  version: string;
  /** Published release versions known (any order); empty when none are known. */
  publishedVersions: readonly string[];
  /** The newest backup, or null when none was ever taken. */
  lastBackup: { at: string; verified: boolean } | null;
  /** A run that stopped half-way and needs resuming or rolling back. */
  stoppedRun: { id: string; status: 'interrupted' | 'paused'; step: string | null } | null;
  /** A blue/green colour kept as standby, and since when. */
  standby: { colour: string; since: string } | null;
  /** Now, ISO 8601 (passed in so the function stays pure). */
  now: string;
}

/** A backup older than this is "stale": a week is the usual change-board rule of thumb. */
export const backupMaxAgeDays = 7;
const dayMs = 86_400_000;

/** Whole days between two instants, never negative. */
export function ageInDays(since: string, now: string): number {
  return Math.max(0, Math.floor((Date.parse(now) - Date.parse(since)) / dayMs));
}

/** How far a version is behind what is published: the newest patch of its minor, and the newest release beyond its minor. */
export interface VersionLag {
  /** Newest release of the same major.minor newer than `version`; null when it is the newest (or nothing is known). */
  newestPatch: string | null;
  /** Releases of the same minor newer than `version`. */
  patchesBehind: number;
  /** Newest release of a later minor or major; null when none. */
  newestMinor: string | null;
  /** Distinct later minor streams (major.minor) published. */
  minorsBehind: number;
}

/** Reads the lag from the published list; qualified versions (rc, SNAPSHOT) are not upgrade advice and are ignored. */
export function versionLag(version: string, published: readonly string[]): VersionLag {
  const cur = parseVersion(version);
  const none: VersionLag = { newestPatch: null, patchesBehind: 0, newestMinor: null, minorsBehind: 0 };
  if (!cur) return none;
  const releases = [...new Set(published)].filter((v) => parseVersion(v)?.qualifier === null).sort(compareVersions);
  const patches = releases.filter((v) => {
    const p = parseVersion(v)!;
    return p.major === cur.major && p.minor === cur.minor && compareVersions(v, version) > 0;
  });
  const later = releases.filter((v) => {
    const p = parseVersion(v)!;
    return p.major > cur.major || (p.major === cur.major && p.minor > cur.minor);
  });
  const streams = new Set(later.map((v) => {
    const p = parseVersion(v)!;
    return `${p.major}.${p.minor}`;
  }));
  return { newestPatch: patches.at(-1) ?? null, patchesBehind: patches.length, newestMinor: later.at(-1) ?? null, minorsBehind: streams.size };
}

/** "2 patches behind, 1 minor behind" / "up to date"; null when no versions are known. */
export function behindText(lag: VersionLag, known: boolean): string | null {
  if (!known) return null;
  const parts: string[] = [];
  if (lag.patchesBehind) parts.push(`${lag.patchesBehind} patch${lag.patchesBehind === 1 ? '' : 'es'} behind`);
  if (lag.minorsBehind) parts.push(`${lag.minorsBehind} minor${lag.minorsBehind === 1 ? '' : 's'} behind`);
  return parts.length ? parts.join(', ') : 'up to date';
}

const severityRank: Record<NextActionSeverity, number> = { critical: 0, warning: 1, info: 2 };
const days = (n: number) => (n === 0 ? 'less than a day' : `${n} day${n === 1 ? '' : 's'}`);

/** The actions a cluster needs, most urgent first (severity, then the order above); empty when nothing is due. */
export function nextActions(f: NextActionFacts): NextAction[] {
  const out: NextAction[] = [];
  if (f.stoppedRun) {
    const where = f.stoppedRun.step ? ` at ${f.stoppedRun.step}` : '';
    out.push({ kind: 'resume-run', severity: 'critical', text: `run ${f.stoppedRun.id.slice(0, 8)} ${f.stoppedRun.status}${where}: resume or roll back` });
  }
  const lag = versionLag(f.version, f.publishedVersions);
  if (lag.newestPatch) {
    const rolling = rollingPossibleInPrinciple(classifyChange(f.version, lag.newestPatch));
    out.push({ kind: 'patch', severity: 'warning', text: `patch ${f.version} -> ${lag.newestPatch} available: ${rolling ? 'rolling' : 'plan it to see the strategy'}` });
  }
  if (!f.lastBackup) {
    out.push({ kind: 'no-backup', severity: 'warning', text: 'no backup yet' });
  } else {
    if (ageInDays(f.lastBackup.at, f.now) >= backupMaxAgeDays) out.push({ kind: 'backup-stale', severity: 'warning', text: `backup older than ${backupMaxAgeDays} days` });
    if (!f.lastBackup.verified) out.push({ kind: 'backup-unverified', severity: 'info', text: 'last backup not verified' });
  }
  if (f.standby) {
    out.push({ kind: 'standby', severity: 'info', text: `standby ${f.standby.colour} running for ${days(ageInDays(f.standby.since, f.now))}: decommission?` });
  }
  if (lag.newestMinor) {
    const kind = classifyChange(f.version, lag.newestMinor).kind === 'major' ? 'major' : 'minor';
    out.push({ kind: 'minor', severity: 'info', text: `${kind} ${f.version} -> ${lag.newestMinor} available: plan it to see the strategy` });
  }
  // Array.prototype.sort is stable: within a severity the order above holds.
  return out.sort((a, b) => severityRank[a.severity] - severityRank[b.severity]);
}
