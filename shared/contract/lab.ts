/**
 * The local sandbox: a real Keycloak cluster on loopback addresses, built by
 * Terraform and Ansible exactly like a customer's, for a first upgrade and for
 * every test.
 */
import { z } from 'zod';
import { defineCall } from './define.ts';
import { emptyInput, idSchema, versionSchema } from './common.ts';
import { colourRoleSchema, colourSchema } from './colours.ts';

export const labNodeStatusSchema = z.strictObject({
  name: z.string(),
  address: z.string(),
  version: z.string().nullable(),
  ready: z.boolean(),
  jdk: z.string().nullable(),
});

const labColourNodeSchema = z.strictObject({ name: z.string(), address: z.string() });

/**
 * The lab's blue/green colours as the ledger records them: which one serves
 * (blue with the cluster's own nodes until a blue/green run recorded any) and
 * the other one, kept as standby or being built, with its age.
 */
export const labColoursSchema = z.strictObject({
  active: z.strictObject({ colour: colourSchema, version: z.string(), nodes: z.array(labColourNodeSchema) }),
  standby: z
    .strictObject({
      colour: colourSchema,
      role: colourRoleSchema,
      version: z.string(),
      /** Seconds since it took this role (for a standby: since it last served). */
      ageSeconds: z.number().int().nonnegative(),
      nodes: z.array(labColourNodeSchema),
    })
    .nullable(),
});
export type LabColours = z.infer<typeof labColoursSchema>;

export const labStatusSchema = z.strictObject({
  /** absent: nothing provisioned; up: every part answers; partial: something is missing or down. */
  state: z.enum(['absent', 'up', 'partial']),
  url: z.string(),
  dns: z.strictObject({ server: z.string(), port: z.number(), name: z.string() }),
  realm: z.string(),
  clientId: z.string(),
  /** Lab-only credentials, generated per lab and kept in the lab's state directory (never in the ledger). */
  clientSecret: z.string().nullable(),
  username: z.string(),
  password: z.string().nullable(),
  clusterSize: z.number().int().nullable(),
  nodes: z.array(labNodeStatusSchema),
  /** null when the ledger has no lab cluster. */
  colours: labColoursSchema.nullable(),
  problems: z.array(z.string()),
});
export type LabStatus = z.infer<typeof labStatusSchema>;

export const prerequisiteSchema = z.strictObject({
  name: z.string(),
  found: z.boolean(),
  detail: z.string(),
  purpose: z.string(),
  debianPackage: z.string().nullable(),
});
export type Prerequisite = z.infer<typeof prerequisiteSchema>;

/**
 * What installing the missing prerequisites takes, shown before anything is
 * installed: the Debian packages (with the programs each brings and why), the
 * one command that installs them, whether Keyturn may run it itself (root and
 * apt-get) and, when not, why; and what no Debian package provides.
 */
export const installPlanSchema = z.strictObject({
  packages: z.array(z.strictObject({ name: z.string(), programs: z.array(z.string()), purpose: z.string() })),
  command: z.string(),
  canInstall: z.boolean(),
  reason: z.string().nullable(),
  manual: z.array(z.strictObject({ name: z.string(), detail: z.string(), purpose: z.string(), how: z.string() })),
});
export type InstallPlan = z.infer<typeof installPlanSchema>;

export const labCalls = {
  'lab:doctor': defineCall({
    summary: 'Which lab prerequisites are missing and what each is for.',
    input: emptyInput,
    output: z.array(prerequisiteSchema),
    errors: [],
  }),
  'lab:installPlan': defineCall({
    summary: 'What installing the missing sandbox prerequisites takes, and whether Keyturn can do it here.',
    input: emptyInput,
    output: installPlanSchema,
    errors: [],
  }),
  'lab:installPrerequisites': defineCall({
    summary: 'Installs the missing sandbox prerequisites with apt-get (after the operator agreed); progress arrives as run events.',
    input: emptyInput,
    output: z.strictObject({ runId: idSchema }),
    errors: ['tool-missing', 'locked'],
  }),
  'lab:status': defineCall({
    summary: 'What of the lab is running, its URL, DNS, lab credentials and cluster size.',
    input: emptyInput,
    output: labStatusSchema,
    errors: [],
  }),
  'lab:up': defineCall({
    summary: 'Builds the lab in the background; progress arrives as run events.',
    input: z.strictObject({ version: versionSchema.optional(), nodes: z.number().int().min(1).max(5).default(2) }).optional(),
    output: z.strictObject({ runId: idSchema }),
    errors: ['locked', 'tool-missing', 'artifact-failed'],
  }),
  'lab:down': defineCall({
    summary: 'Tears the lab down completely, even after a half-failed build.',
    input: emptyInput,
    output: z.strictObject({ runId: idSchema }),
    errors: ['locked'],
  }),
} as const;
