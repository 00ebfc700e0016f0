/**
 * Runs, steps and the event stream.
 *
 * Events are persisted before they are emitted and numbered per run (`seq`),
 * so a renderer that reloads asks for `runs:events` since the last `seq` it
 * has and rebuilds the same view: nothing lives only in the UI.
 */
import { z } from 'zod';
import { defineCall } from './define.ts';
import { idSchema, nameSchema, timestampSchema } from './common.ts';
import { lostWriteChangeSchema } from './backups.ts';

export const eventSourceSchema = z.enum(['engine', 'terraform', 'ansible', 'ssh', 'kcsh', 'probe']);
export type EventSource = z.infer<typeof eventSourceSchema>;
export const eventLevelSchema = z.enum(['debug', 'info', 'warn', 'error']);
export type EventLevel = z.infer<typeof eventLevelSchema>;

export const runEventSchema = z.strictObject({
  runId: idSchema,
  seq: z.number().int().nonnegative(),
  at: timestampSchema,
  source: eventSourceSchema,
  node: z.string().nullable(),
  level: eventLevelSchema,
  /** What happened, e.g. `step.started`, `terraform.apply_complete`, `ansible.task_ok`, `log.line`. */
  kind: z.string().max(128),
  data: z.record(z.string(), z.unknown()),
});
export type RunEvent = z.infer<typeof runEventSchema>;

export const runStatusSchema = z.enum(['pending', 'running', 'paused', 'succeeded', 'failed', 'aborted', 'interrupted']);
export type RunStatus = z.infer<typeof runStatusSchema>;
export const stepStatusSchema = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']);

export const runSummarySchema = z.strictObject({
  id: idSchema,
  clusterName: z.string().nullable(),
  kind: z.string(),
  strategy: z.string().nullable(),
  status: runStatusSchema,
  fromVersion: z.string().nullable(),
  toVersion: z.string().nullable(),
  createdAt: timestampSchema,
  startedAt: timestampSchema.nullable(),
  finishedAt: timestampSchema.nullable(),
  error: z.strictObject({ code: z.string(), message: z.string(), hint: z.string() }).nullable(),
  /** A pause or abort asked for and not yet carried out (from the ledger, so a reload still shows it). */
  control: z.enum(['pause', 'abort']).nullable(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const stepSchema = z.strictObject({
  seq: z.number().int(),
  kind: z.string(),
  title: z.string(),
  node: z.string().nullable(),
  status: stepStatusSchema,
  startedAt: timestampSchema.nullable(),
  finishedAt: timestampSchema.nullable(),
  error: z.string().nullable(),
});
export type Step = z.infer<typeof stepSchema>;


/**
 * What a data-moving run (blue/green, switch back, restore) did about
 * writes: the clone point, the window until the switch (or until now while
 * it runs), the write freeze, and what the copy lacks, counted and named.
 */
export const dataSafetySchema = z.strictObject({
  /** When the copy's data was taken: blue/green's verified backup, or the backup a restore rollback brings back. */
  clonePoint: timestampSchema.nullable(),
  /** PostgreSQL's WAL position at the clone point (read right before the dump), where the server gave one. */
  clonePointLsn: z.string().nullable(),
  /** When clients reached the copy: the traffic switch, or the restore's database swap. */
  switchedAt: timestampSchema.nullable(),
  windowMs: z.number().int().nonnegative().nullable(),
  freeze: z.strictObject({ on: z.boolean(), from: timestampSchema.nullable(), until: timestampSchema.nullable() }),
  lostWrites: z.strictObject({
    /** False when the count itself failed (the text says why). */
    counted: z.boolean(),
    text: z.string(),
    users: z.number().int().nonnegative().nullable(),
    adminEvents: z.number().int().nonnegative().nullable(),
    events: z.number().int().nonnegative().nullable(),
    changes: z.array(lostWriteChangeSchema),
    changesNotListed: z.number().int().nonnegative(),
    uncounted: z.array(z.string()),
    /** A rollback's lines as it said them before the confirmation. */
    lines: z.array(z.string()).optional(),
  }).nullable(),
  sessions: z.strictObject({ online: z.number().int().nonnegative(), offline: z.number().int().nonnegative() }).nullable(),
});
export type DataSafety = z.infer<typeof dataSafetySchema>;

export const runCalls = {
  'runs:list': defineCall({
    summary: 'Run history, newest first, optionally for one cluster.',
    input: z.strictObject({ cluster: nameSchema.optional(), limit: z.number().int().min(1).max(500).default(100) }).optional(),
    output: z.array(runSummarySchema),
    errors: ['not-found'],
  }),
  'runs:get': defineCall({
    summary: 'One run with its steps, and its data safety when it moved data across a copy.',
    input: z.strictObject({ id: idSchema }),
    output: z.strictObject({ run: runSummarySchema, steps: z.array(stepSchema), dataSafety: dataSafetySchema.nullable() }),
    errors: ['not-found'],
  }),
  'runs:events': defineCall({
    summary: 'Events of a run after `afterSeq`, to rebuild a live view after a reload.',
    input: z.strictObject({
      runId: idSchema,
      afterSeq: z.number().int().min(-1).default(-1),
      limit: z.number().int().min(1).max(5000).default(1000),
    }),
    output: z.array(runEventSchema),
    errors: ['not-found'],
  }),
} as const;
