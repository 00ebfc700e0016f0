/**
 * The run report: one model of a run for a change board, built from the
 * ledger alone (electron/reports/run-report.ts) and written as JSON, HTML or
 * PDF. The CLI, the console and the benchmark read this one model instead of
 * each assembling a summary of their own. Documented in docs/run-report.md;
 * `schemaVersion` changes only when a field changes meaning or goes away.
 */
import { z } from 'zod';
import { idSchema, timestampSchema } from './common.ts';
import { defineCall } from './define.ts';
import { reasonSchema } from './plan.ts';

/** The version of this document's shape; readers refuse versions they do not know. */
export const runReportSchemaVersion = 1 as const;

/** An old → new value of one Keycloak option or feature list; null means absent on that side. */
export const reportChangeSchema = z.strictObject({ key: z.string(), from: z.string().nullable(), to: z.string().nullable() });

export const reportStepSchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  kind: z.string(),
  title: z.string(),
  node: z.string().nullable(),
  /** The approved plan listed this step (kind, title, node): what ran is what was approved. */
  planned: z.boolean(),
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']),
  startedAt: timestampSchema.nullable(),
  finishedAt: timestampSchema.nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
  error: z.string().nullable(),
});
export type ReportStep = z.infer<typeof reportStepSchema>;

export const reportNodeSchema = z.strictObject({
  node: z.string(),
  /** Every state the engine published for the node (`node.state` events), in order. */
  timeline: z.array(z.strictObject({ at: timestampSchema, state: z.string(), message: z.string() })),
  /** The last state published, null when none was. */
  finalState: z.string().nullable(),
});

/** Requests per time slice, for the chart (slices widen on long runs so at most 720 are kept). */
export const reportSliceSchema = z.strictObject({ t: z.number().int(), ok: z.number().int().nonnegative(), failed: z.number().int().nonnegative() });

export const reportAvailabilitySchema = z.strictObject({
  /** False when the run had no prober (no probe client, or it could not start); `note` says why. */
  probed: z.boolean(),
  note: z.string().nullable(),
  requests: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  failedByReason: z.record(z.string(), z.number().int().nonnegative()),
  /** Nearest-rank latency percentiles of successful requests, ms (the prober's own definition). */
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  maxMs: z.number().nullable(),
  firstRequestAt: timestampSchema.nullable(),
  lastRequestAt: timestampSchema.nullable(),
  firstFailureAt: timestampSchema.nullable(),
  lastFailureAt: timestampSchema.nullable(),
  /** The maintenance window (recreate, restore): from the maintenance step's start to the end-maintenance step's end (null end: still on). */
  maintenance: z.strictObject({ startedAt: timestampSchema, endedAt: timestampSchema.nullable() }).nullable(),
  /** The moment traffic switched colour (blue/green), when the run had that step. */
  switchAt: timestampSchema.nullable(),
  /** What the plan predicted for the outage, seconds; null when it predicted none. */
  predictedDowntimeSeconds: z.number().nonnegative().nullable(),
  /** First to last failed request from the start of the outage step (maintenance or full stop), seconds; null without an outage step or a failure in it. */
  measuredDowntimeSeconds: z.number().nonnegative().nullable(),
  sliceMs: z.number().int().positive(),
  slices: z.array(reportSliceSchema),
});
export type ReportAvailability = z.infer<typeof reportAvailabilitySchema>;

export const runReportSchema = z.strictObject({
  schemaVersion: z.literal(runReportSchemaVersion),
  generatedAt: timestampSchema,
  /** The run has not ended (pending, running, paused or interrupted): every page of the report says so. */
  inProgress: z.boolean(),
  run: z.strictObject({
    id: idSchema,
    kind: z.string(),
    status: z.enum(['pending', 'running', 'paused', 'succeeded', 'failed', 'aborted', 'interrupted']),
    createdAt: timestampSchema,
    startedAt: timestampSchema.nullable(),
    finishedAt: timestampSchema.nullable(),
    durationMs: z.number().int().nonnegative().nullable(),
    error: z.strictObject({ code: z.string(), message: z.string(), hint: z.string() }).nullable(),
  }),
  change: z.strictObject({
    cluster: z.string().nullable(),
    environment: z.string().nullable(),
    /** console, browser (the console in a browser) or cli; null for runs recorded before the ledger kept it. */
    origin: z.enum(['console', 'browser', 'cli']).nullable(),
    /** The operating-system user that started the run, and on which host. */
    startedBy: z.string().nullable(),
    /** The process that executes (or last executed) the run, `pid@host`. */
    executedBy: z.string().nullable(),
  }),
  versions: z.strictObject({
    from: z.string().nullable(),
    to: z.string().nullable(),
    /** patch, minor or major, and its direction, as the plan classified it. */
    change: z.string().nullable(),
    options: z.array(reportChangeSchema),
    features: z.array(reportChangeSchema),
  }),
  /** Keycloak's own answer (`kc.sh update-compatibility check`) from the approved plan; null when the run had no plan. */
  decision: z.strictObject({
    planRunId: idSchema,
    exitCode: z.number().int(),
    verdict: z.string(),
    /** kc.sh's own words (its output as recorded, redacted). */
    kcshOutput: z.string(),
    command: z.array(z.string()),
    reasons: z.array(reasonSchema),
    recommended: z.string().nullable(),
    recommendation: z.string(),
    computedAt: timestampSchema,
  }).nullable(),
  strategy: z.strictObject({
    name: z.string().nullable(),
    /** Why the plan allowed (and recommended or not) this strategy. */
    why: z.string().nullable(),
    downtime: z.string().nullable(),
    canary: z.boolean().nullable(),
  }),
  backup: z.strictObject({
    id: idSchema,
    createdAt: timestampSchema,
    size: z.number().int().nonnegative(),
    sha256: z.string(),
    keycloakVersion: z.string(),
    /** When the last verification (a restore into a scratch database) passed; null: never, or the last one failed. */
    verifiedAt: timestampSchema.nullable(),
    lastVerification: z.strictObject({ ok: z.boolean(), at: timestampSchema, error: z.string().nullable() }).nullable(),
  }).nullable(),
  steps: z.array(reportStepSchema),
  nodes: z.array(reportNodeSchema),
  availability: reportAvailabilitySchema,
  dataSafety: z.strictObject({
    /** The moment the data a restore or clone brings back was taken (the backup's time). */
    clonePoint: timestampSchema.nullable(),
    /** Seconds from the clone point to the restore or switch, when one happened. */
    windowSeconds: z.number().nonnegative().nullable(),
    /** Lost writes as counted and named before the operator committed (one line each). */
    lostWrites: z.array(z.string()),
    sessions: z.strictObject({ policy: z.string(), onlineUserSessions: z.number().int().nullable(), offlineUserSessions: z.number().int().nullable() }).nullable(),
  }),
  wayBack: z.strictObject({
    /** The way back as the ledger shows it now, in words. */
    summary: z.string(),
    /** The command that shows the way back and its cost, when there is one. */
    command: z.string().nullable(),
    /** Rollbacks that undid (or tried to undo) this run. */
    rollbacks: z.array(z.strictObject({ id: idSchema, status: z.string(), mode: z.string().nullable(), startedAt: timestampSchema.nullable(), finishedAt: timestampSchema.nullable() })),
    /** For a rollback run: the upgrade it undoes. */
    undoes: idSchema.nullable(),
  }),
  finalState: z.strictObject({
    status: z.string(),
    /** The version the run recorded the cluster reached (its verify step), null when it did not get there. */
    reachedVersion: z.string().nullable(),
    /** The version the ledger records for the cluster now. */
    clusterVersionNow: z.string().nullable(),
    summary: z.string(),
  }),
});
export type RunReport = z.infer<typeof runReportSchema>;

/** The formats `keyturn report` writes. */
export const reportFormatSchema = z.enum(['html', 'pdf', 'json']);
export type ReportFormat = z.infer<typeof reportFormatSchema>;

/** The most a report handed to the console may weigh (a PDF of a long run is a few hundred KiB; this leaves room, not a stream). */
export const maxExportedReportBytes = 16 * 1024 * 1024;

/**
 * A report ready for the renderer to save (a Blob behind `<a download>`, in
 * Electron and in a browser alike): the text of HTML and JSON as is, the PDF's
 * bytes as base64 (the reply is JSON on the browser bridge).
 */
export const exportedReportSchema = z.strictObject({
  runId: idSchema,
  format: reportFormatSchema,
  /** `keyturn-<cluster>-<run id, 8 chars>-<yyyy-mm-dd>.<ext>`: sorts by cluster, then run, in a Downloads folder. */
  fileName: z.string().regex(/^keyturn-[a-z0-9-]+-[0-9a-f]{8}-\d{4}-\d{2}-\d{2}\.(html|pdf|json)$/),
  mimeType: z.enum(['text/html', 'application/pdf', 'application/json']),
  encoding: z.enum(['utf8', 'base64']),
  /** The report; base64 exactly when `encoding` is base64 (the PDF). */
  content: z.string().max(Math.ceil(maxExportedReportBytes / 3) * 4),
  /** The size of the file once decoded. */
  bytes: z.number().int().nonnegative().max(maxExportedReportBytes),
  /** The run has not ended; the report says so on every page. */
  inProgress: z.boolean(),
});
export type ExportedReport = z.infer<typeof exportedReportSchema>;

/** The report calls: the console's "Export report" reads the same model `keyturn report` writes. */
export const reportCalls = {
  'reports:export': defineCall({
    input: z.strictObject({ runId: idSchema, format: reportFormatSchema }),
    output: exportedReportSchema,
    errors: ['not-found', 'tool-missing', 'tool-failed'],
    summary: "A run's report (html, pdf or json) with the cluster's secrets masked, as a file the console saves",
  }),
} as const;
