/**
 * Clone hygiene for blue/green: blue's verified backup restored into green's
 * own, empty database, checked, and made green's (JGROUPS_PING emptied).
 *
 * Why the checks: the copy carries blue's discovery rows (members, cluster
 * name, coordinator), and a green that read them would try to join blue;
 * so the rows go before any green node starts. Green's database must be
 * empty, or already hold exactly this backup (a resumed run): restoring
 * over anything else would mean the outputs point at a database that is not
 * green's, and Keyturn never overwrites data it did not create.
 *
 * All or nothing: pg_restore runs in one transaction, so a crash or a failure
 * half-way leaves green's database empty and the step can simply run again.
 */
import type { Backup, SessionPolicy, SessionsDropped } from '../../shared/contract/backups.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { changelogState } from '../tools/postgres-changelog.ts';
import { maintenanceConnection, requireNoSessions, schemaRelationCount } from '../tools/postgres-databases.ts';
import { describeTarget, pgRestore, type PgCallOptions, type PgConnection } from '../tools/postgres.ts';
import { clearJgroupsPing } from '../tools/jgroups-ping.ts';
import { applySessionPolicy } from './database-restore.ts';

export interface CloneRestoreOptions extends PgCallOptions {
  /** Keycloak's `db-schema`, when it sets one (default public). */
  schema?: string | undefined;
  /** Awaited before each stage, for the run's events. */
  onStage?: (stage: 'checking' | 'restoring' | 'verifying' | 'cleaning', detail: string) => void | Promise<void>;
  /** What the copy keeps of the sessions it carries (default keep-all: users stay signed in across the switch). */
  sessionPolicy?: SessionPolicy;
}

export interface CloneRestoreResult {
  /** False when green's database already held this backup (a resumed step): nothing was restored again. */
  restored: boolean;
  changeSets: number;
  /** Discovery rows of blue's members removed from the copy. */
  jgroupsRowsCleared: number;
  /** The session policy applied to the copy, and what it dropped. */
  sessions: SessionsDropped;
  durationMs: number;
}

/** Tables, views and sequences in the schema Keycloak uses. */
/**
 * Restores backup `b` into `target` (green's database). `checkFile` proves the
 * dump is the recorded file. Refuses a database that holds anything but this
 * backup, and one with clients connected.
 */
export async function restoreClone(target: PgConnection, b: Backup, checkFile: () => Promise<void>, opts: CloneRestoreOptions = {}): Promise<CloneRestoreResult> {
  const started = performance.now();
  const call: PgCallOptions = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) };
  const so = { ...call, ...(opts.schema ? { schema: opts.schema } : {}) };
  const stage = async (s: Parameters<NonNullable<CloneRestoreOptions['onStage']>>[0], d: string) => opts.onStage?.(s, d);
  const recorded = b.changelog;
  if (!recorded) throw new KeyturnError('not-found', `Backup ${b.id} has no recorded changelog state, so its copy could not be checked.`, `Take a new backup (keyturn backup create --cluster ${b.clusterName}).`);
  const where = describeTarget(target);

  await stage('checking', `sha256 of ${b.path}; ${where} empty, no client connected`);
  await checkFile();
  await requireNoSessions(maintenanceConnection(target), target.database, call);
  const before = await changelogState(target, so);
  let restored = false;
  if (before.present) {
    if (before.digest !== recorded.digest) {
      throw new KeyturnError('conflict', `The new colour's database ${where} already holds a Keycloak schema (${before.count} change sets) that is not backup ${b.id}'s (${recorded.count}). Nothing was restored.`,
        "Point the colour's outputs at an empty database (a fresh one from its Terraform), or destroy the colour and build it again.");
    }
  } else {
    const relations = await schemaRelationCount(target, opts.schema ?? 'public', call);
    if (relations > 0) {
      throw new KeyturnError('conflict', `The new colour's database ${where} is not empty (${relations} tables, views or sequences in schema ${opts.schema ?? 'public'}). Nothing was restored.`,
        "Keyturn restores only into an empty database: point the colour's outputs at a fresh one, or destroy the colour and build it again.");
    }
    await stage('restoring', `${b.path} into ${where}`);
    await pgRestore(target, b.path, call);
    restored = true;
    await stage('verifying', `DATABASECHANGELOG of ${where} against backup ${b.id}`);
    const after = await changelogState(target, so);
    if (after.digest !== recorded.digest) {
      throw new KeyturnError('artifact-failed', `Backup ${b.id} restored into ${where}, but its changelog (${after.count} change sets) is not the one recorded (${recorded.count}).`,
        "The dump does not hold the state it claims: do not build on it. Destroy the new colour, take a new backup and run again.");
    }
  }
  const policy = opts.sessionPolicy ?? 'keep-all';
  await stage('cleaning', `JGROUPS_PING and sessions (${policy}) in ${where}`);
  const cleared = await clearJgroupsPing(target, { ...call, schema: opts.schema });
  // Idempotent: a resumed step finds the rows the policy drops already gone (the colour's Keycloak has not started yet).
  const sessions = await applySessionPolicy(target, opts.schema, policy, call);
  return { restored, changeSets: recorded.count, jgroupsRowsCleared: cleared.deleted, sessions, durationMs: Math.round(performance.now() - started) };
}
