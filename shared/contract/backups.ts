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
  database: z.strictObject({ host: z.string(), port: z.number().int(), name: z.string(), user: z.string(), serverVersion: z.string().nullable() }).nullable(),
  changelog: changelogStateSchema.nullable(),
  createdAt: timestampSchema,
  /** Set when the last verification passed; cleared when a later one fails. */
  verifiedAt: timestampSchema.nullable(),
  lastVerification: backupVerificationSchema.nullable(),
});
export type Backup = z.infer<typeof backupSchema>;

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
} as const;
