/**
 * A cluster's colours (blue/green): the deployment each colour has, as its
 * Terraform outputs or the cluster file's standby describe it, and its role.
 *
 * Why a record of its own: a blue/green run acts on a second set of hosts,
 * database and load balancer that the cluster file does not list. The
 * ledger keeps what Keyturn learned about them (addresses, pinned host keys)
 * so a resumed run, a switch back and a decommission find them again, and so
 * `keyturn standby list` can say what still runs and since when.
 */
import { z } from 'zod';
import { hostSchema, idSchema, nameSchema, pathSchema, portSchema, timestampSchema } from './common.ts';
import { freezeAclFileSchema, hostKeySchema } from './clusters.ts';
import { defineCall } from './define.ts';

export const colourSchema = z.enum(['blue', 'green']);
export type Colour = z.infer<typeof colourSchema>;

/** building: a run is making it; active: clients reach it; standby: kept, serving nothing, ready for a switch back; destroyed: gone. */
export const colourRoleSchema = z.enum(['building', 'active', 'standby', 'destroyed']);
export type ColourRole = z.infer<typeof colourRoleSchema>;

/** Where one colour runs: what the engine needs to reach its nodes, database and load balancer. */
export const colourDeploymentSchema = z.strictObject({
  colour: colourSchema,
  /**
   * terraform: the cluster's Terraform applied in the colour's workspace;
   * described: a standby from the cluster file; cluster-file: the colour that
   * served before the first blue/green run (the cluster file's own nodes).
   */
  source: z.enum(['terraform', 'described', 'cluster-file']),
  nodes: z
    .array(z.strictObject({
      name: nameSchema,
      address: hostSchema,
      sshPort: portSchema,
      /** The name SSH reaches the node by, when it differs from the address Keycloak listens on. */
      sshHost: hostSchema.optional(),
      /** Where Keycloak is installed on it, when not where the serving colour's first node has it (the lab: one root per node). */
      keycloakHome: pathSchema.optional(),
      /** The host key pinned for it when the colour was built (from the deployment's outputs, or read and recorded then). */
      hostKey: hostKeySchema.nullable().default(null),
    }))
    .min(1)
    .max(64),
  database: z.strictObject({ address: hostSchema, port: portSchema, name: z.string().min(1).max(63), user: z.string().min(1).max(63) }),
  loadBalancer: z.strictObject({
    address: hostSchema, port: portSchema, runtimeApi: z.string().min(1).max(4096), backend: z.string().min(1).max(128),
    /** The write freeze's ACL file on this colour's HAProxy, when it has one (docs/write-freeze.md). */
    freezeAclFile: freezeAclFileSchema.optional(),
  }),
  /** The Ansible inventory Keyturn wrote for this colour (a file under its home). */
  inventory: pathSchema,
  /** SSH private key for the colour's nodes when it differs from the cluster's. */
  keyPath: pathSchema.optional(),
});
export type ColourDeployment = z.output<typeof colourDeploymentSchema>;
export type ColourDeploymentInput = z.input<typeof colourDeploymentSchema>;

export const colourRecordSchema = z.strictObject({
  id: idSchema,
  clusterName: z.string(),
  colour: colourSchema,
  role: colourRoleSchema,
  deployment: colourDeploymentSchema,
  /** The Keycloak version it runs (or is being built to run). */
  version: z.string(),
  /** The run that built it, or last switched it. */
  runId: idSchema.nullable(),
  /** The backup time its data was cloned from, when it was built from one. */
  clonePoint: timestampSchema.nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type ColourRecord = z.infer<typeof colourRecordSchema>;

export const standbyCalls = {
  'standby:list': defineCall({
    summary: "A cluster's blue/green colours that still exist (building, active, standby), newest first; with all: the destroyed ones too.",
    input: z.strictObject({ cluster: nameSchema, all: z.boolean().optional() }),
    output: z.array(colourRecordSchema),
    errors: ['not-found'],
  }),
  'standby:decommission': defineCall({
    summary: "Decommissions the cluster's standby colour (or one a failed run left half-built): Terraform destroy of its workspace, or Keycloak stopped on the hosts the cluster file described; never the active colour.",
    input: z.strictObject({
      cluster: nameSchema,
      /** The typed confirmation: the cluster's name, exactly. */
      confirm: z.string().max(200),
      /** The colour the operator saw as standby; a switch since then makes it active, and the call is refused instead of acting on the other colour. */
      colour: colourSchema.optional(),
    }),
    output: colourRecordSchema,
    errors: ['not-found', 'conflict', 'locked', 'host-key-unconfirmed', 'tool-failed', 'timeout', 'aborted'],
  }),
};
