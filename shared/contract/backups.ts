/**
 * Backups: the pg_dump every upgrade takes first, and its verification.
 *
 * A backup records the Liquibase changelog state of the database at dump
 * time (`changelog`), because a rollback decides between "restart the old
 * version" and "restore this dump" by comparing the live database's changelog
 * with it: Keycloak's migrations are forward-only.
 */
import { z } from 'zod';
import { defineCall } from './define.ts';
import { idSchema, nameSchema, timestampSchema } from './common.ts';

/** The last change set Liquibase recorded. */
export const changeSetSchema = z.strictObject({
  id: z.string(),
  author: z.string(),
  filename: z.string(),
  orderExecuted: z.number().int(),
  dateExecuted: z.string(),
});

/**
 * What `DATABASECHANGELOG` says about a database's schema. `digest` is the
 * sha256 of the ordered (id, author, filename) list, so two states are the
 * same schema history exactly when their digests are equal.
 */
export const changelogStateSchema = z.strictObject({
  /** False when the table does not exist (an empty database, before Keycloak's first start). */
  present: z.boolean(),
  count: z.number().int().nonnegative(),
  last: changeSetSchema.nullable(),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ChangelogState = z.infer<typeof changelogStateSchema>;

export const backupVerificationSchema = z.strictObject({
  ok: z.boolean(),
  at: timestampSchema,
  /** Rows in Keycloak's REALM table of the restored copy (null if it has none). */
  realms: z.number().int().nullable(),
  changelogRows: z.number().int().nullable(),
  /** Whether the restored copy's changelog equals the one recorded at backup time. */
  changelogMatches: z.boolean().nullable(),
  /**
   * Rows per key table of the restored copy (realms, clients, roles, users,
   * credentials...), what lost-write accounting compares the live database
   * with; absent in a verification recorded before Keyturn counted them.
   */
  tables: z.record(z.string(), z.number().int().nonnegative()).nullable().optional(),
  durationMs: z.number().int().nonnegative(),
  /** Why it failed (ok = false), already redacted. */
  error: z.string().nullable(),
});
export type BackupVerification = z.infer<typeof backupVerificationSchema>;

export const backupSchema = z.strictObject({
  id: idSchema,
  clusterName: z.string(),
  /** The run that took it (an upgrade's first step), null for a manual backup. */
  runId: idSchema.nullable(),
  path: z.string(),
  /** `pg_dump-custom`: restore with pg_restore. */
  format: z.string(),
  sha256: z.string(),
  size: z.number().int().positive(),
  keycloakVersion: z.string(),
  database: z.strictObject({
    host: z.string(), port: z.number().int(), name: z.string(), user: z.string(), serverVersion: z.string().nullable(),
    /**
     * PostgreSQL's WAL position read right before the dump started (its
     * snapshot follows it): with the time, the clone point a copy made from
     * this backup holds. Null where the server would not say; absent in
     * backups recorded before Keyturn read it.
     */
    walLsn: z.string().nullable().optional(),
  }).nullable(),
  changelog: changelogStateSchema.nullable(),
  createdAt: timestampSchema,
  /** Set when the last verification passed; cleared when a later one fails. */
  verifiedAt: timestampSchema.nullable(),
  lastVerification: backupVerificationSchema.nullable(),
});
export type Backup = z.infer<typeof backupSchema>;

/**
 * What a restore does with the sessions of the restored copy. `drop-online`
 * (default): sessions logged out after the backup must not come back to life,
 * so online sessions (`offline_flag = '0'`) go and offline tokens stay.
 */
export const sessionPolicySchema = z.enum(['drop-online', 'keep-all', 'drop-all']);
export type SessionPolicy = z.infer<typeof sessionPolicySchema>;

/** Rows a restore dropped from the restored copy's session tables. */
export const sessionsDroppedSchema = z.strictObject({
  policy: sessionPolicySchema,
  onlineUserSessions: z.number().int().nonnegative(),
  onlineClientSessions: z.number().int().nonnegative(),
  offlineUserSessions: z.number().int().nonnegative(),
  offlineClientSessions: z.number().int().nonnegative(),
});
export type SessionsDropped = z.infer<typeof sessionsDroppedSchema>;

/** The outcome of a restore beside the live database and the name swap. */
export const restoreBesideResultSchema = z.strictObject({
  /** The database that was live before (the migrated one), now under this dated name until pruned. */
  keptAs: z.string(),
  /** The backup restored. */
  restoredFrom: idSchema,
  /** The live database's name, now holding the backup. */
  database: z.string(),
  /** The restored changelog state (equal to the backup's: checked before the swap). */
  changelog: changelogStateSchema,
  jgroupsRowsCleared: z.number().int().nonnegative(),
  sessions: sessionsDroppedSchema,
  durationMs: z.number().int().nonnegative(),
});
export type RestoreBesideResult = z.infer<typeof restoreBesideResultSchema>;

/**
 * One kind of write a restore would lose. `count` is null when it cannot be
 * counted (table missing, events not enabled); `text` says so in one line.
 */
export const lostWriteItemSchema = z.strictObject({
  kind: z.enum(['users', 'credentials', 'events', 'admin-events', 'sessions', 'tables']),
  count: z.number().int().nonnegative().nullable(),
  text: z.string(),
});
export type LostWriteItem = z.infer<typeof lostWriteItemSchema>;

/**
 * One write a copy lacks, as a readable line with its time: a user created,
 * an admin change (operation, resource, who), a user's own change (password,
 * profile, registration). Names and paths only: never a representation, a
 * hash or a secret value.
 */
export const lostWriteChangeSchema = z.strictObject({
  at: timestampSchema,
  kind: z.enum(['user-created', 'admin', 'user-event', 'credential']),
  text: z.string(),
});
export type LostWriteChange = z.infer<typeof lostWriteChangeSchema>;

/** What restoring a backup would lose: the writes to the live database since it was taken. */
export const lostWritesSchema = z.strictObject({
  backupId: idSchema,
  since: timestampSchema,
  users: z.strictObject({
    count: z.number().int().nonnegative().nullable(),
    /** At most 20, oldest first. */
    named: z.array(z.strictObject({ username: z.string(), realm: z.string() })),
  }),
  events: z.number().int().nonnegative().nullable(),
  adminEvents: z.number().int().nonnegative().nullable(),
  sessions: z.strictObject({ online: z.number().int().nonnegative(), offline: z.number().int().nonnegative() }).nullable(),
  items: z.array(lostWriteItemSchema),
  /** The writes by name and time, oldest first (at most 50; `changesNotListed` says how many more). */
  changes: z.array(lostWriteChangeSchema),
  changesNotListed: z.number().int().nonnegative(),
  /** What cannot be counted at all, in plain words (e.g. admin changes in realms without admin events). */
  uncounted: z.array(z.string()),
});
export type LostWrites = z.infer<typeof lostWritesSchema>;

/** A database a restore replaced, kept for forensics until pruned. */
export const retainedDatabaseSchema = z.strictObject({
  id: idSchema,
  clusterName: z.string(),
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  reason: z.string(),
  runId: idSchema.nullable(),
  backupId: idSchema.nullable(),
  createdAt: timestampSchema,
  droppedAt: timestampSchema.nullable(),
});
export type RetainedDatabase = z.infer<typeof retainedDatabaseSchema>;

/** A PostgreSQL database name as Keyturn makes and records them (identifier rules, 63 bytes). */
const databaseNameSchema = z.string().min(1, 'is required').max(63, 'must be at most 63 characters').regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a database name');

/**
 * Dropping a kept database is typed twice, as removing a cluster is typed in
 * the console: the data is gone once dropped, so a click on the wrong row
 * must not be enough.
 */
export const pruneRetainedInputSchema = z
  .strictObject({
    cluster: nameSchema,
    /** The kept database to drop (one per call: the operator types each name). */
    name: databaseNameSchema,
    /** The same name, typed again by the operator. */
    confirm: z.string().max(63, 'must be at most 63 characters'),
  })
  .refine((i) => i.confirm === i.name, { path: ['confirm'], message: 'type the database name exactly to confirm: its data is gone once dropped' });

export const backupCalls = {
  'backups:list': defineCall({
    summary: "A cluster's backups, newest first, with digest, size, changelog state and last verification.",
    input: z.strictObject({ cluster: nameSchema }),
    output: z.array(backupSchema),
    errors: ['not-found'],
  }),
  'backups:create': defineCall({
    summary: "pg_dump of the cluster's database now (custom format, 0600, sha256 recorded).",
    input: z.strictObject({ cluster: nameSchema }),
    output: backupSchema,
    errors: ['not-found', 'conflict', 'tool-missing', 'tool-failed', 'invalid-input'],
  }),
  'backups:verify': defineCall({
    summary: 'Checks the sha256, restores into a scratch database on the same server, runs sanity queries, drops it.',
    input: z.strictObject({ id: idSchema }),
    output: backupSchema,
    errors: ['not-found', 'artifact-failed', 'tool-missing', 'tool-failed'],
  }),
  'backups:lostWrites': defineCall({
    summary: 'What restoring this backup would lose, counted in the live database: users created since (named), events, admin events, sessions, and what cannot be counted.',
    input: z.strictObject({ id: idSchema }),
    output: lostWritesSchema,
    errors: ['not-found', 'tool-missing', 'tool-failed'],
  }),
  'backups:retained': defineCall({
    summary: 'Databases a restore replaced and kept under a dated name, newest first, until pruned.',
    input: z.strictObject({ cluster: nameSchema }),
    output: z.array(retainedDatabaseSchema),
    errors: ['not-found'],
  }),
  'backups:prune': defineCall({
    summary: 'Drops one kept database on its server (its name typed again to confirm) and records when; never the live one.',
    input: pruneRetainedInputSchema,
    output: retainedDatabaseSchema,
    errors: ['not-found', 'conflict', 'tool-missing', 'tool-failed'],
  }),
} as const;
