/**
 * The strategy planner: Keycloak's `update-compatibility` answer for a target
 * version and options, explained, with the strategies it allows.
 *
 * `plan:start` returns a run id at once so the Pre-flight step can show kc.sh
 * output live (run events with source `kcsh`); `plan:get` reads the finished
 * plan; `plan:compute` does both in one call for the CLI and scripts.
 */
import { z } from 'zod';
import { defineCall } from './define.ts';
import { boundedRecord, hasUrlCredentials, idSchema, nameSchema, timestampSchema, versionSchema } from './common.ts';
import { optionKeySchema, secretOptionPattern } from './clusters.ts';

/** A feature as `--features` takes it: `persistent-user-sessions` or `login:v1`. */
export const featureSchema = z.string().max(128).regex(/^[a-z0-9][a-z0-9-]*(:v\d+)?$/, 'must be a feature such as persistent-user-sessions or login:v1');
/** A feature as `--features-disabled` takes it (no version). */
export const featureNameSchema = z.string().max(128).regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a feature name such as persistent-user-sessions');

const noSecrets = (o: Record<string, string>, ctx: z.RefinementCtx) => {
  for (const [key, value] of Object.entries(o)) {
    if (secretOptionPattern.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: `'${key}' is a secret; change it in the cluster's secretOptions, not in a plan` });
    else if (hasUrlCredentials(value)) ctx.addIssue({ code: 'custom', path: [key], message: `'${key}' carries a password inside its URL (user:password@); keep credentials in the cluster's secretOptions` });
  }
};

/** What the operator wants: a version and edits to the cluster's recorded options. */
export const planInputSchema = z.strictObject({
  cluster: nameSchema,
  to: versionSchema,
  /** Options to add or change, without dashes: `{ "cache-stack": "tcp" }`. */
  set: boundedRecord(optionKeySchema, z.string().max(4096, 'option values must be at most 4096 characters'), 200, 'options').superRefine(noSecrets).optional(),
  /** Options to remove. */
  unset: z.array(optionKeySchema).max(200).optional(),
  /** The complete `--features` list of the target (replaces the recorded one; [] removes it). */
  features: z.array(featureSchema).max(100).optional(),
  /** The complete `--features-disabled` list of the target (replaces the recorded one; [] removes it). */
  featuresDisabled: z.array(featureNameSchema).max(100).optional(),
  /** Take fresh metadata from a node even if the ledger holds metadata for the current deployment. */
  refreshMetadata: z.boolean().optional(),
  /** Blue/green's promotion gate: manual (the run waits for the operator) or auto; default manual for production, auto elsewhere. */
  promote: z.enum(['manual', 'auto']).optional(),
  /** Blue/green's write freeze on the serving side from the clone point to the switch: on or off; default on for production when its load balancer can freeze. */
  freeze: z.enum(['on', 'off']).optional(),
  /** Blue/green: what the copy keeps of the sessions it carries; default keep-all. */
  sessions: z.enum(['keep-all', 'drop-online', 'drop-all']).optional(),
});
export type PlanInput = z.infer<typeof planInputSchema>;

/** Keycloak's answer, by exit code: 0 rolling, 3 recreate, 4 rolling-updates disabled, anything else an error. */
export const verdictSchema = z.enum(['rolling', 'recreate', 'rolling-disabled', 'error']);
export type Verdict = z.infer<typeof verdictSchema>;
export const strategyNameSchema = z.enum(['rolling', 'blue-green', 'recreate']);
export type StrategyName = z.infer<typeof strategyNameSchema>;

export const metadataSourceSchema = z.enum(['node', 'local']);

export const reasonSchema = z.strictObject({
  /** version: minor/major change; downgrade: any version going back; option/feature: a rolling-incompatible change; kcsh: kc.sh's own words. */
  kind: z.enum(['version', 'option', 'feature', 'downgrade', 'kcsh']),
  /** What it is about: `keycloak.version`, `cache-stack`, `persistent-user-sessions`, `cacheEmbedded.stack`. */
  subject: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  message: z.string(),
  /** True when this change alone rules out a rolling update. */
  forcesRecreate: z.boolean(),
});
export type PlanReason = z.infer<typeof reasonSchema>;

export const durationEstimateSchema = z.strictObject({
  /** Best estimate in seconds (0 = none), for sorting and charts. */
  seconds: z.number().nonnegative(),
  text: z.string(),
});

export const planStepSchema = z.strictObject({
  kind: z.string(),
  title: z.string(),
  node: z.string().nullable(),
  /** What the step needs (target version, options, backup id…): exactly what the engine records and runs with. */
  params: z.record(z.string(), z.unknown()).optional(),
});
export type PlanStep = z.infer<typeof planStepSchema>;

export const strategySchema = z.strictObject({
  name: strategyNameSchema,
  available: z.boolean(),
  /** Keyturn can run it for this plan now (available, implemented, and the cluster has what it needs); main decides, the console only shows it. */
  executable: z.boolean(),
  /** Why it can or cannot run: names what is missing and how to add it. */
  executableWhy: z.string(),
  recommended: z.boolean(),
  /** Why it is (not) available, and why it is (not) the recommendation. */
  why: z.string(),
  downtime: durationEstimateSchema,
  steps: z.array(planStepSchema),
  backup: z.strictObject({
    required: z.boolean(),
    kind: z.enum(['database-dump', 'database-clone']),
    what: z.string(),
    why: z.string(),
  }),
  rollback: z.strictObject({
    summary: z.string(),
    steps: z.array(z.string()),
    downtime: durationEstimateSchema,
    /** What is lost by going back, in plain words. */
    dataLoss: z.string(),
  }),
});
export type Strategy = z.infer<typeof strategySchema>;

export const checkResultSchema = z.strictObject({
  exitCode: z.number().int(),
  verdict: verdictSchema,
  /** kc.sh's combined output (stdout then stderr), secrets redacted. */
  output: z.string(),
  durationMs: z.number().int().nonnegative(),
  /**
   * `cold`: the scratch copy was unpacked or rebuilt for this check; `warm`:
   * reused as it was; `answered`: an identical check (same distribution,
   * metadata, options, JDK) answered before, at `answeredAt`, and kc.sh was not run again.
   */
  scratch: z.enum(['cold', 'warm', 'answered']),
  answeredAt: timestampSchema.optional(),
  /** The command as run, options included, secrets as environment variable names only. */
  command: z.array(z.string()),
  metadataSource: metadataSourceSchema,
  metadataNode: z.string().nullable(),
  metadataTakenAt: timestampSchema,
  /** 0 when the metadata came from the ledger (taken earlier). */
  metadataDurationMs: z.number().int().nonnegative(),
});
export type CheckResult = z.infer<typeof checkResultSchema>;

export const optionChangeSchema = z.strictObject({ key: z.string(), from: z.string().nullable(), to: z.string().nullable() });

export const planSchema = z.strictObject({
  runId: idSchema,
  cluster: z.string(),
  from: versionSchema,
  to: versionSchema,
  change: z.strictObject({ kind: z.enum(['same', 'patch', 'minor', 'major']), direction: z.enum(['up', 'down', 'none']), label: z.string() }),
  /** Cluster-wide options before and after the edits (secret ones as `(secret)`), and what changed. */
  options: z.strictObject({
    from: z.record(z.string(), z.string()),
    to: z.record(z.string(), z.string()),
    changed: z.array(optionChangeSchema),
  }),
  check: checkResultSchema,
  recommended: strategyNameSchema.nullable(),
  /** One paragraph: why the recommended strategy, or why there is none. */
  recommendation: z.string(),
  strategies: z.array(strategySchema),
  reasons: z.array(reasonSchema),
  /**
   * What the plan was computed from (cluster record, target artifact,
   * compatibility metadata, option edits), as digests: a run refuses a plan
   * whose basis no longer matches (stale), so what runs is what was approved.
   */
  basis: z.strictObject({ specSha256: z.string(), artifactSha256: z.string(), metadataSha256: z.string(), edits: z.record(z.string(), z.unknown()) }).optional(),
  createdAt: timestampSchema,
});
export type Plan = z.infer<typeof planSchema>;

export const metadataRecordSchema = z.strictObject({
  id: idSchema,
  cluster: z.string(),
  version: versionSchema,
  source: metadataSourceSchema,
  node: z.string().nullable(),
  /** The metadata file Keyturn keeps (under <KEYTURN_HOME>/metadata). */
  path: z.string(),
  sha256: z.string(),
  takenAt: timestampSchema,
  durationMs: z.number().int().nonnegative(),
  runId: idSchema.nullable(),
});
export type MetadataRecord = z.infer<typeof metadataRecordSchema>;

export const versionCandidateSchema = z.strictObject({
  version: versionSchema,
  /** In Keyturn's artifact store (verified sha256). */
  stored: z.boolean(),
  /** Already in the local Maven repository (no download needed). */
  downloaded: z.boolean(),
  /** Relative to the cluster's version, when a cluster was given. */
  change: z.enum(['same', 'patch', 'minor', 'major']).nullable(),
  direction: z.enum(['up', 'down', 'none']).nullable(),
});

export const planCalls = {
  'plan:versions': defineCall({
    summary: 'Target versions for the picker: the artifact store plus what Maven publishes, labelled relative to the cluster.',
    input: z.strictObject({ cluster: nameSchema.optional(), refresh: z.boolean().optional() }).optional(),
    output: z.strictObject({
      current: versionSchema.nullable(),
      versions: z.array(versionCandidateSchema),
      offline: z.boolean(),
      offlineReason: z.string().nullable(),
    }),
    errors: ['not-found', 'artifact-failed'],
  }),
  'plan:metadata': defineCall({
    summary: "(Re)captures update-compatibility metadata from a live node (or locally with `local`), stored in the ledger and as a file.",
    input: z.strictObject({ cluster: nameSchema, node: nameSchema.optional(), local: z.boolean().optional() }),
    output: metadataRecordSchema,
    errors: ['not-found', 'locked', 'ssh-failed', 'host-key-mismatch', 'host-key-unconfirmed', 'tool-missing', 'tool-failed', 'artifact-failed', 'timeout'],
  }),
  'plan:start': defineCall({
    summary: 'Starts a plan run and returns its id at once; kc.sh output arrives as run events (source kcsh).',
    input: planInputSchema,
    output: z.strictObject({ runId: idSchema }),
    errors: ['not-found', 'locked', 'tool-missing', 'artifact-failed'],
  }),
  'plan:get': defineCall({
    summary: 'The plan a finished plan run computed.',
    input: z.strictObject({ runId: idSchema }),
    output: planSchema,
    errors: ['not-found'],
  }),
  'plan:compute': defineCall({
    summary: 'Metadata, check with the target kc.sh, explanation and strategies, in one call (waits for the end).',
    input: planInputSchema,
    output: planSchema,
    errors: ['not-found', 'locked', 'ssh-failed', 'host-key-mismatch', 'tool-missing', 'tool-failed', 'artifact-failed', 'timeout'],
  }),
} as const;
