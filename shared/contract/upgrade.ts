/**
 * Upgrades, their controls and rollback.
 *
 * A run is started, then steered: Pause takes effect at the next node
 * boundary, Abort after the current step, Resume continues an interrupted or
 * paused run after reconciling what is really running. Rollback is planned
 * first (what it will do and what it costs) and only then started.
 */
import { z } from 'zod';
import { defineCall } from './define.ts';
import { sessionPolicySchema } from './backups.ts';
import { idSchema, nameSchema } from './common.ts';
import { dataSafetySchema } from './runs.ts';

export const nodeStateSchema = z.enum(['waiting', 'preparing', 'prepared', 'draining', 'stopping', 'installing', 'starting', 'ready', 'joined', 'failed']);
export type NodeState = z.infer<typeof nodeStateSchema>;

/** The strategies Keyturn executes; the plan says which of them this change allows. */
export const executableStrategySchema = z.enum(['rolling', 'recreate', 'blue-green']);
export type ExecutableStrategy = z.infer<typeof executableStrategySchema>;

export const rollbackPlanSchema = z.strictObject({
  cluster: z.string(),
  /** The upgrade run this rollback undoes. */
  runId: idSchema,
  /**
   * rolling-back: the schema is unchanged, nodes go back one at a time;
   * recreate-back: the upgrade stopped every node, the old version starts the same way;
   * restore: the schema changed, the backup must be restored;
   * switch-back: a blue/green run; traffic goes back to blue (never changed),
   * or, before the switch, green is removed or kept (rollback:plan does not produce it yet).
   */
  mode: z.enum(['rolling-back', 'recreate-back', 'restore', 'switch-back']),
  fromVersion: z.string(),
  toVersion: z.string(),
  schemaChanged: z.boolean(),
  /** The backup a restore brings back: its time and WAL position are the data's point in time. */
  backup: z.strictObject({ id: idSchema, createdAt: z.string(), size: z.number(), walLsn: z.string().nullable().optional() }).nullable(),
  /** Said up front: what the rollback costs. */
  downtime: z.string(),
  /**
   * The full outage predicted, in seconds, for `restore` and `recreate-back`
   * (stop, restore, first start to ready); null for `rolling-back`, which has none.
   */
  predictedDowntimeSeconds: z.number().int().nonnegative().nullable().default(null),
  /** Where the prediction comes from: this cluster's recorded steps, or the defaults when it has no history yet. */
  predictedDowntimeBasis: z.string().nullable().default(null),
  /** What a restore does with the sessions of the restored database; null when nothing is restored. */
  sessionPolicy: sessionPolicySchema.nullable().default(null),
  lostWrites: z.string(),
  /** What a restore loses, counted where the data allows: one line each (users by name, events, sessions). */
  lostWriteLines: z.array(z.string()),
  /**
   * The same facts in the shape `runs show --json` gives a run's
   * (`dataSafety`): the point the data goes back to (the backup, or the
   * switch for a switch back), the window since, and the lost writes as
   * counted; null when the rollback moves no data.
   */
  dataSafety: dataSafetySchema.nullable().default(null),
  steps: z.array(z.string()),
  /** The operator must confirm (always for restore). */
  needsConfirmation: z.boolean(),
  explanation: z.string(),
});
export type RollbackPlan = z.infer<typeof rollbackPlanSchema>;

const started = z.strictObject({ runId: idSchema });

export const upgradeCalls = {
  'upgrade:start': defineCall({
    summary: 'Runs the approved plan with one of its executable strategies: exactly the steps the plan showed; progress arrives as run events.',
    input: z.strictObject({
      /** The plan run whose plan the operator approved; a plan that went stale since is refused. */
      plan: idSchema,
      strategy: executableStrategySchema,
      /** Pause after the first node so the operator can look before going on (rolling). */
      canary: z.boolean().default(false),
    }),
    output: started,
    errors: ['not-found', 'locked', 'invalid-input', 'conflict', 'ssh-failed', 'host-key-unconfirmed', 'tool-failed'],
  }),
  'runs:pause': defineCall({
    summary: 'Asks a run to pause at the next node boundary.',
    input: z.strictObject({ runId: idSchema }),
    output: z.strictObject({ requested: z.literal(true) }),
    errors: ['not-found', 'conflict'],
  }),
  'runs:abort': defineCall({
    summary: 'Asks a run to stop after its current step.',
    input: z.strictObject({ runId: idSchema }),
    output: z.strictObject({ requested: z.literal(true) }),
    errors: ['not-found', 'conflict'],
  }),
  'runs:resume': defineCall({
    summary: 'Continues a paused or interrupted run after reconciling the real state of the cluster.',
    input: z.strictObject({ runId: idSchema }),
    output: started,
    errors: ['not-found', 'conflict', 'locked'],
  }),
  'rollback:plan': defineCall({
    summary: "What a rollback of the cluster's last upgrade would do and cost, before doing it.",
    /** `sessionPolicy`: the one the operator means to start with, so the cost shown names it. */
    input: z.strictObject({ cluster: nameSchema, sessionPolicy: sessionPolicySchema.optional(), keepGreen: z.boolean().optional() }),
    output: rollbackPlanSchema,
    errors: ['not-found'],
  }),
  'rollback:start': defineCall({
    summary: 'Stops forward progress and rolls the last upgrade back as planned.',
    input: z.strictObject({
      cluster: nameSchema,
      confirm: z.boolean().default(false),
      /** For a restore: what happens to the restored sessions (default drop-online: logged-out sessions must not come back). */
      sessionPolicy: sessionPolicySchema.optional(),
      /** A blue/green run stopped before its switch: keep the colour it built for inspection (default: destroy it). */
      keepGreen: z.boolean().optional(),
    }),
    output: started,
    errors: ['not-found', 'locked', 'invalid-input'],
  }),
} as const;
