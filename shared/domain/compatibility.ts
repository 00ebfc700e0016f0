/**
 * What `kc.sh update-compatibility check` said, as a typed verdict, and the
 * explanation the plan shows next to it.
 *
 * The exit code is the only thing Keyturn decides on (the guide says so, and
 * message texts change between releases). Messages are parsed only to quote
 * Keycloak's own words; codes 1 and 2 are errors to show with kc.sh's output,
 * never mapped to a strategy.
 */
import type { PlanReason, Verdict } from '../contract/plan.ts';
import { incompatibleChanges } from './rolling-rules.ts';
import { classifyChange, rollingPossibleInPrinciple, type VersionChange } from './versions.ts';

/** Exit codes of `update-compatibility check`, as documented. */
export const checkExitCodes = { rolling: 0, error: 1, invalidOption: 2, recreate: 3, rollingDisabled: 4 } as const;

/** 0 rolling, 3 recreate, 4 rolling-updates disabled; 1, 2 and anything unexpected are errors. */
export function verdictFor(exitCode: number): Verdict {
  switch (exitCode) {
    case checkExitCodes.rolling:
      return 'rolling';
    case checkExitCodes.recreate:
      return 'recreate';
    case checkExitCodes.rollingDisabled:
      return 'rolling-disabled';
    default:
      return 'error';
  }
}

/** What an exit code means, in the guide's words, for messages. */
export function describeExitCode(exitCode: number): string {
  switch (exitCode) {
    case 0:
      return 'rolling update possible';
    case 1:
      return 'unexpected error (e.g. the metadata file is missing or corrupted)';
    case 2:
      return 'invalid option or argument';
    case 3:
      return 'rolling update not possible: the cluster must be shut down for the change';
    case 4:
      return 'rolling update not possible: the rolling-updates feature is disabled';
    default:
      return `unexpected exit code ${exitCode}`;
  }
}

/** One "'<attribute>' is incompatible: A -> B" statement of kc.sh. */
export interface KcshIncompatibility {
  /** The metadata provider that objected: `keycloak`, `cacheEmbedded`, `feature-compatibility`... */
  provider: string;
  /** `keycloak.version`, `cacheEmbedded.stack`... */
  attribute: string;
  from: string;
  to: string;
}

// `[keycloak] Rolling Update is not available. 'keycloak.version' is incompatible: 26.7.3 -> 26.7.0.`
// kc.sh also wraps each in `Optional[...]` when it aggregates several.
const INCOMPATIBLE_RE = /\[([\w.-]+)\] Rolling Update is not available\. '([^']+)' is incompatible: (.*?) -> (.*?)\.?\]?\s*$/;

/** Every incompatibility kc.sh stated, in order, without duplicates. */
export function parseIncompatibilities(output: string): KcshIncompatibility[] {
  const seen = new Set<string>();
  const out: KcshIncompatibility[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = INCOMPATIBLE_RE.exec(line);
    if (!m) continue;
    const item = { provider: m[1]!, attribute: m[2]!, from: m[3]!.trim(), to: m[4]!.trim() };
    const key = `${item.attribute}\0${item.from}\0${item.to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}

/** The reason a version change gives, if any: minor/major changes and every downgrade. */
export function versionReason(change: VersionChange): PlanReason | null {
  if (change.direction === 'down') {
    return {
      kind: 'downgrade', subject: 'keycloak.version', from: change.from, to: change.to, forcesRecreate: true,
      message: `${change.to} is older than ${change.from}: a ${change.kind} downgrade is never a rolling update, and Keycloak does not migrate a database schema backwards (restore the backup taken before the upgrade to ${change.from}).`,
    };
  }
  if (change.kind === 'minor' || change.kind === 'major') {
    return {
      kind: 'version', subject: 'keycloak.version', from: change.from, to: change.to, forcesRecreate: true,
      message: `${change.from} -> ${change.to} is a ${change.kind} upgrade: Keycloak rolls only between patch releases of one minor stream, so every node must stop before the new version starts.`,
    };
  }
  if (change.kind === 'patch' && !rollingPossibleInPrinciple(change)) {
    return {
      kind: 'version', subject: 'keycloak.version', from: change.from, to: change.to, forcesRecreate: false,
      message: `${change.from} -> ${change.to} is a patch upgrade before 26.6: rolling between patch releases needs the preview feature rolling-updates:v2.`,
    };
  }
  return null;
}

export interface ExplainInput {
  from: string;
  to: string;
  /** Cluster-wide options of the running deployment and of the target. */
  fromOptions: Readonly<Record<string, string>>;
  toOptions: Readonly<Record<string, string>>;
  exitCode: number;
  /** kc.sh's combined output of the check. */
  output: string;
}

/**
 * The reasons the plan lists: the version change, every listed option or
 * feature change, and kc.sh's own statements (kind `kcsh`). When kc.sh
 * answered 3 but neither the version nor a listed change explains it, its
 * statements are the explanation, and they are kept as forcing recreate.
 */
export function explain(input: ExplainInput): PlanReason[] {
  const change = classifyChange(input.from, input.to);
  const reasons: PlanReason[] = [];
  const v = versionReason(change);
  if (v) reasons.push(v);
  reasons.push(...incompatibleChanges(input.fromOptions, input.toOptions));
  const verdict = verdictFor(input.exitCode);
  for (const i of parseIncompatibilities(input.output)) {
    reasons.push({
      kind: 'kcsh', subject: i.attribute, from: i.from, to: i.to, forcesRecreate: verdict === 'recreate',
      message: `kc.sh: [${i.provider}] '${i.attribute}' is incompatible: ${i.from} -> ${i.to}.`,
    });
  }
  if (verdict === 'rolling-disabled') {
    reasons.push({ kind: 'feature', subject: 'rolling-updates', from: null, to: 'disabled', forcesRecreate: true, message: 'The rolling-updates feature is disabled, so Keycloak reports no rolling update; enable it to let the check decide.' });
  }
  return reasons;
}
