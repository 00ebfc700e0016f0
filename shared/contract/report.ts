/**
 * The run report: one model of a run for a change board, built from the
 * ledger alone (electron/reports/run-report.ts) and written as JSON, HTML or
 * PDF. The CLI, the console and the benchmark read this one model instead of
 * each assembling a summary of their own. Documented in docs/run-report.md;
 * `schemaVersion` changes only when a field changes meaning or goes away.
 */
import { z } from 'zod';
import { colourRoleSchema, colourSchema } from './colours.ts';
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

/**
 * Blue/green's own story (strategy `blue-green`, and a rollback in mode
 * `switch-back`), for a change board: where the data came from, what was
 * built and proven, who promoted it when, the switch and how long the old
 * colour still received requests, the watch, and which colour serves now.
 * Read from the run's events (electron/engine/steps/blue-green-steps.ts);
 * null in a report of any other strategy.
 */
export const reportBlueGreenSchema = z.strictObject({
  /** upgrade: the run built a colour and switched to it; switch-back: a rollback that sent traffic back (or removed the built colour before any switch). */
  mode: z.enum(['upgrade', 'switch-back']),
  /** The colour the run built (upgrade) or sent traffic back to (switch-back). */
  colour: colourSchema.nullable(),
  /** The colour that served when the run began. */
  serving: colourSchema.nullable(),
  /** The verified backup of the serving colour the new one was cloned from (`backup.clone-point`). */
  clonePoint: z.strictObject({ backupId: idSchema, at: timestampSchema, verified: z.boolean(), verifiedAt: timestampSchema.nullable() }).nullable(),
  /** The colour built (`colour.provisioned`), its nodes with the host-key fingerprints pinned when it was created (`colour.host-key`). */
  built: z.strictObject({
    colour: colourSchema,
    provisionedAt: timestampSchema,
    nodes: z.array(z.strictObject({ name: z.string(), address: z.string().nullable(), fingerprint: z.string().nullable() })),
    /** `address:port` of its load balancer and database, from the ledger's colour record (null when it no longer has one). */
    loadBalancer: z.string().nullable(),
    database: z.string().nullable(),
  }).nullable(),
  /** The restore into the new colour's database (`colour.restored`). */
  clone: z.strictObject({
    changeSets: z.number().int().nonnegative().nullable(),
    /** Discovery rows of the serving colour's members removed from the copy, so the new colour never joins it. */
    jgroupsRowsCleared: z.number().int().nonnegative().nullable(),
    /** False when a resumed step found the backup already restored. */
    restored: z.boolean().nullable(),
  }).nullable(),
  /** Before promotion: each colour's cluster view (`colour.view`) and each smoke check (`colour.smoke`); `error` is a failed check step's error. */
  checks: z.strictObject({
    views: z.array(z.strictObject({ colour: colourSchema, at: timestampSchema, message: z.string() })),
    smoke: z.array(z.strictObject({ check: z.string(), ok: z.boolean(), at: timestampSchema, message: z.string() })),
    error: z.string().nullable(),
  }),
  /** The promotion gate: manual or automatic, when the gate step finished and when the next step (the switch) started: the moment of promotion. */
  promotion: z.strictObject({
    mode: z.enum(['manual', 'auto']).nullable(),
    /** The run paused for an operator at the gate (`promotion.waiting`). */
    waitedForOperator: z.boolean(),
    gateFinishedAt: timestampSchema.nullable(),
    /** null: not promoted (yet). */
    promotedAt: timestampSchema.nullable(),
    waitedSeconds: z.number().nonnegative().nullable(),
  }).nullable(),
  /** The one traffic switch (`traffic.switched`): the public name from the old load balancer's address to the new one. */
  switch: z.strictObject({
    at: timestampSchema,
    name: z.string().nullable(),
    toColour: colourSchema.nullable(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    /** False when the name already pointed there (a resumed step). */
    changed: z.boolean(),
  }).nullable(),
  /** The colour traffic left, read from its HAProxy counters for TTL + grace (`traffic.drained`). */
  drain: z.strictObject({
    fromColour: colourSchema.nullable(),
    /** Switch to the last request the old colour received, seconds; null when it received none. */
    lastRequestAfterSwitchSeconds: z.number().nonnegative().nullable(),
    sessionsAfterSwitch: z.number().int().nonnegative().nullable(),
    /** It still received requests at the end of the wait. */
    stillReceiving: z.boolean().nullable(),
    waitedSeconds: z.number().nonnegative().nullable(),
  }).nullable(),
  /** The prober on the public name after the switch (`traffic.watched`). */
  watch: z.strictObject({
    held: z.boolean(),
    requests: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    failedByReason: z.record(z.string(), z.number().int().nonnegative()),
    watchedSeconds: z.number().nonnegative().nullable(),
    breach: z.string().nullable(),
  }).nullable(),
  /** Traffic went back after this upgrade: on its own when the watch failed (`traffic.switched-back`), or by a switch-back rollback run. */
  switchBack: z.strictObject({
    automatic: z.boolean(),
    runId: idSchema.nullable(),
    status: z.string().nullable(),
    to: colourSchema.nullable(),
    at: timestampSchema.nullable(),
    reason: z.string().nullable(),
  }).nullable(),
  /** The colours as the run left them (`standby.recorded`); null when it did not get there. */
  coloursAfter: z.strictObject({ active: colourSchema, standby: colourSchema }).nullable(),
  /** Colours the run destroyed (`colour.destroyed`). */
  destroyed: z.array(colourSchema),
  /** The cluster's live colours in the ledger now (`keyturn standby list`), which later runs may have changed. */
  coloursNow: z.array(z.strictObject({ colour: colourSchema, role: colourRoleSchema, version: z.string(), since: timestampSchema, clonePoint: timestampSchema.nullable() })),
});
export type ReportBlueGreen = z.infer<typeof reportBlueGreenSchema>;

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
    /** PostgreSQL's WAL position right before the dump (the data's point in time with `createdAt`); null when not recorded. Added within version 1. */
    walLsn: z.string().nullable().default(null),
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
  /**
   * Blue/green's section; null for other strategies. Added within version 1
   * (an added field keeps the version): a version-1 document written before
   * it has no such key and reads as null.
   */
  blueGreen: reportBlueGreenSchema.nullable().default(null),
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
