/**
 * The extra-vars Keyturn passes to a cluster's install playbook: the version
 * and its distribution, the JDK, and the complete Keycloak options including
 * secret ones resolved just now. They travel in a 0600 file (never argv) and
 * every resolved secret is redacted from the events.
 */
import type { ClusterDetail } from '../../../shared/contract/index.ts';
import { resolveSecretRef } from '../../services/secret-refs.ts';
import { createRedactor } from '../../tools/redact.ts';
import { findJdk } from '../../tools/toolchain.ts';
import { KeyturnError } from '../../../shared/errors.ts';
import type { StepContext } from '../engine-context.ts';

export interface InstallVars {
  extraVars: Record<string, unknown>;
  secrets: string[];
}

/**
 * `targetOptions`: the complete non-secret options the approved plan goes to
 * (an options-only change differs from the record only there); the record's
 * options when the step carries none (runs written before plans carried them).
 */
export async function installVars(cluster: ClusterDetail, version: string, zip: string, targetOptions?: Readonly<Record<string, string>>): Promise<InstallVars> {
  const spec = cluster.spec;
  const secrets: string[] = [];
  const options: Record<string, string> = { ...(targetOptions ?? spec.keycloak.options) };
  for (const [key, ref] of Object.entries(spec.keycloak.secretOptions)) {
    const value = await resolveSecretRef(ref, `Keycloak option '${key}' of cluster '${cluster.name}'`);
    options[key] = value;
    secrets.push(value);
  }
  const javaHome = spec.keycloak.javaHome ?? (await findJdk(21))?.home;
  if (!javaHome) throw new KeyturnError('tool-missing', 'No JDK 21 or newer is known for this cluster.', 'Set keycloak.javaHome in the cluster spec to the JDK on the nodes.');
  return {
    extraVars: {
      keycloak_version: version,
      keycloak_zip: zip,
      keycloak_java_home: javaHome,
      keycloak_options: options,
      keycloak_expected_cluster_size: spec.nodes.length,
    },
    secrets,
  };
}

/**
 * Which part of a phased playbook a run asks for (`keycloak_phase`): `prepare`
 * installs and builds beside the running version on every node at once;
 * `switch` stops, switches and starts one node, whose readiness and cluster
 * join the engine then checks itself (so the playbook skips its own join
 * wait). `all` is the unphased playbook run.
 */
export type InstallPhase = 'all' | 'prepare' | 'switch';

/** The extra-vars of one phase: the engine checks the join after a switch, so the playbook doesn't wait for it twice. */
export function phaseVars(vars: Record<string, unknown>, phase: InstallPhase, joinCheck = true): Record<string, unknown> {
  if (phase === 'all' && joinCheck) return vars;
  if (phase === 'all') {
    // The first node of a recreate or restore starts alone: nobody else to join yet.
    const { keycloak_expected_cluster_size: _size, ...rest } = vars;
    return { ...rest, keycloak_join_check: false };
  }
  const { keycloak_expected_cluster_size: _size, ...rest } = vars;
  return { ...rest, keycloak_phase: phase, ...(phase === 'switch' ? { keycloak_join_check: false } : {}) };
}

/**
 * Everything an install playbook run needs for `version`: the verified
 * distribution, the extra-vars with secrets resolved now, and a redactor for
 * those secrets (also registered with the run's recorder).
 */
export async function prepareInstall(ctx: StepContext, version: string, phase: InstallPhase = 'all'): Promise<{ extraVars: Record<string, unknown>; redact: (s: string) => string }> {
  const artifact = await ctx.deps.artifacts.ensure(version, { signal: ctx.signal });
  const vars = await installVars(ctx.cluster, version, artifact.path, targetOptionsOf(ctx.params));
  ctx.rec.addSecrets(...vars.secrets);
  return { extraVars: phaseVars(vars.extraVars, phase, ctx.params.joinCheck !== false), redact: createRedactor(vars.secrets) };
}

/** The target options a step was planned with, if it carries them (strings only; anything else is ignored). */
export function targetOptionsOf(params: Record<string, unknown>): Record<string, string> | undefined {
  const o = params.options;
  if (!o || typeof o !== 'object' || Array.isArray(o)) return undefined;
  return Object.fromEntries(Object.entries(o as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
