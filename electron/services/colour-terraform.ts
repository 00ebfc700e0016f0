/**
 * How Keyturn runs the cluster's own Terraform for one colour: its directory,
 * the operator's var file and the sensitive variables the cluster file names
 * by reference (resolved now, written to a private var file by the Terraform
 * tool, never on a command line). One place, so building a colour and
 * destroying it pass the same variables: a destroy that lacks a required
 * variable fails just like the apply would.
 */
import type { ClusterSpec } from '../../shared/contract/clusters.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { resolveSecretRef } from './secret-refs.ts';

export interface ColourTerraform {
  dir: string;
  varFiles: string[];
  secretVars: Record<string, string>;
  /** The resolved values, for the caller's redaction of output and events. */
  secrets: string[];
}

/** The Terraform options of `spec`'s colours, or a clear refusal when the cluster has no Terraform. */
export async function colourTerraform(spec: ClusterSpec, purpose: string): Promise<ColourTerraform> {
  const tf = spec.terraform;
  if (!tf) {
    throw new KeyturnError('invalid-input', `Cluster '${spec.name}' has no terraform.dir to ${purpose} with.`, 'Add terraform: { dir } with the colour variable and outputs of docs/blue-green-terraform.md, then plan again.');
  }
  const secretVars: Record<string, string> = {};
  for (const [name, ref] of Object.entries(tf.secretVars ?? {})) {
    secretVars[name] = await resolveSecretRef(ref, `Terraform variable ${name} of cluster '${spec.name}'`);
  }
  return { dir: tf.dir, varFiles: tf.varFile ? [tf.varFile] : [], secretVars, secrets: Object.values(secretVars).filter((v) => v.length > 0) };
}
