/**
 * The fleet view's facts per cluster: how far behind the published versions
 * it is, its last backup's age and verification, the last run and what users
 * saw during it, a standby colour left running, a run stopped half-way, and
 * from all of that the next actions (shared/domain/next-action.ts).
 *
 * Why here and not in the renderer: the console and `keyturn cluster list
 * --json` must carry the same facts, and every one of them is read from the
 * ledger (or Maven's local repository), which only main can reach.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterSummary } from '../../shared/contract/index.ts';
import { ageInDays, behindText, nextActions, versionLag } from '../../shared/domain/next-action.ts';
import { summarize } from '../../shared/domain/probe-stats.ts';
import { parseVersion } from '../../shared/domain/versions.ts';
import { listArtifacts } from '../ledger/artifacts-repo.ts';
import { listBackups } from '../ledger/backups-repo.ts';
import { listClusters } from '../ledger/clusters-repo.ts';
import { listColours } from '../ledger/colours-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { listProbeSamples } from '../ledger/probe-samples-repo.ts';
import { getRun, listRuns } from '../ledger/runs-repo.ts';
import { localRepositoryPathQuick, parseMavenMetadata } from '../tools/maven.ts';

/** Where the step a stopped run halted at is: the one running, else the first failed, else the first not yet done. */
function haltedStep(db: Ledger, runId: string): string | null {
  const { steps } = getRun(db, runId);
  const step = steps.find((s) => s.status === 'running') ?? steps.find((s) => s.status === 'failed') ?? steps.find((s) => s.status === 'pending');
  return step ? step.title : null;
}

/**
 * Every cluster's summary with the fleet facts filled in. `published` is the
 * list of published Keycloak versions known now (empty: none known, and then
 * no version advice is given). `now` is injectable so ages are testable.
 */
export function fleetSummaries(db: Ledger, published: readonly string[], now = new Date().toISOString()): ClusterSummary[] {
  const known = published.some((v) => parseVersion(v)?.qualifier === null);
  return listClusters(db).map((c) => {
    const lag = versionLag(c.version, known ? published : []);
    const backup = listBackups(db, c.id)[0] ?? null;
    const runs = listRuns(db, { clusterId: c.id, limit: 50 });
    const stopped = runs.find((r) => r.status === 'interrupted' || r.status === 'paused') ?? null;
    const standbyColour = listColours(db, c.id).find((k) => k.role === 'standby') ?? null;
    const samples = c.lastRun ? listProbeSamples(db, c.lastRun.id) : [];
    const probe = samples.length ? summarize(samples) : null;

    const lastBackup = backup
      ? { id: backup.id, at: backup.createdAt, ageDays: ageInDays(backup.createdAt, now), verified: backup.verifiedAt !== null, verifiedAt: backup.verifiedAt }
      : null;
    // updatedAt is stamped when a switch made it the standby: its age as a standby, not as a deployment.
    const standby = standbyColour ? { colour: standbyColour.colour, version: standbyColour.version, since: standbyColour.updatedAt, ageDays: ageInDays(standbyColour.updatedAt, now) } : null;
    const stoppedRun = stopped ? { id: stopped.id, kind: stopped.kind, status: stopped.status as 'interrupted' | 'paused', step: haltedStep(db, stopped.id) } : null;

    return {
      ...c,
      lastRun: c.lastRun ? { ...c.lastRun, availability: probe ? { requests: probe.requests, failed: probe.failed } : null } : null,
      versions: { known, ...lag, behind: behindText(lag, known) },
      lastBackup,
      standby,
      stoppedRun,
      nextActions: nextActions({
        version: c.version,
        publishedVersions: known ? published : [],
        lastBackup: lastBackup ? { at: lastBackup.at, verified: lastBackup.verified } : null,
        stoppedRun,
        standby,
        now,
      }),
    };
  });
}

/**
 * The published versions Keyturn knows without reaching the network or
 * starting Maven: the Keycloak metadata Maven keeps in its local repository
 * from earlier lookups (the version picker's, `keyturn toolchain`...), the
 * versions downloaded there, and the artifact store. Never throws: with
 * nothing known (air-gapped, never looked up) the list is empty and the fleet
 * gives no version advice rather than a guess.
 */
export async function knownPublishedVersions(db: Ledger, repository?: string): Promise<string[]> {
  const dir = join(repository ?? (await localRepositoryPathQuick()), 'org', 'keycloak', 'keycloak-quarkus-dist');
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    if (entry.isFile() && /^maven-metadata(-[\w.-]+)?\.xml$/.test(entry.name)) found.push(...parseMavenMetadata(await readFile(join(dir, entry.name), 'utf8').catch(() => '')));
    // A version directory counts only with its zip in it (a failed download leaves one behind too).
    else if (entry.isDirectory() && await stat(join(dir, entry.name, `keycloak-quarkus-dist-${entry.name}.zip`)).then((st) => st.isFile(), () => false)) found.push(entry.name);
  }
  const stored = listArtifacts(db).map((a) => a.version);
  return [...new Set([...found, ...stored])].filter((v) => parseVersion(v) !== null);
}
