/**
 * The local sandbox: a real Keycloak cluster on loopback addresses, built by
 * Terraform and Ansible exactly like a customer's, for a first upgrade and for
 * every test.
 */
import { z } from 'zod';
import { defineCall } from './define.ts';
import { emptyInput, idSchema, versionSchema } from './common.ts';

export const labNodeStatusSchema = z.strictObject({
  name: z.string(),
  address: z.string(),
  version: z.string().nullable(),
  ready: z.boolean(),
  jdk: z.string().nullable(),
});

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

export const labCalls = {
  'lab:doctor': defineCall({
    summary: 'Which lab prerequisites are missing and what each is for.',
    input: emptyInput,
    output: z.array(prerequisiteSchema),
    errors: [],
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
