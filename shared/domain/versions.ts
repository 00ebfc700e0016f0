/**
 * Keycloak versions as the planner reasons about them.
 *
 * Keycloak's own `update-compatibility check` decides whether a change can be
 * rolled; this module only names the kind of version change so the plan can
 * say *why* ("a minor upgrade is always a recreate", "a downgrade is never
 * rolling") and the version picker can label each candidate. Pure: no I/O.
 */

export interface KeycloakVersion {
  major: number;
  minor: number;
  patch: number;
  /** `-rc1`, `-SNAPSHOT`...; null for a release. */
  qualifier: string | null;
}

/** How a version change is classified: which component moved, and in which direction. */
export type ChangeKind = 'same' | 'patch' | 'minor' | 'major';
export type ChangeDirection = 'up' | 'down' | 'none';

export interface VersionChange {
  from: string;
  to: string;
  kind: ChangeKind;
  direction: ChangeDirection;
  /** One line for people: "patch upgrade 26.7.0 -> 26.7.3". */
  label: string;
}

const VERSION_RE = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.]+))?$/;

/** Parses `26.7.3` (or `26.7.3-rc1`); null for anything else. */
export function parseVersion(v: string): KeycloakVersion | null {
  const m = VERSION_RE.exec(v.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), qualifier: m[4] ?? null };
}

function requireVersion(v: string): KeycloakVersion {
  const parsed = parseVersion(v);
  if (!parsed) throw new Error(`'${v}' is not a Keycloak version such as 26.7.3`);
  return parsed;
}

/**
 * Orders versions numerically (26.10.0 after 26.9.1); a qualified version
 * (`26.7.0-rc1`) sorts before its release, as Maven orders them.
 */
export function compareVersions(a: string, b: string): number {
  const x = requireVersion(a);
  const y = requireVersion(b);
  const byNumber = x.major - y.major || x.minor - y.minor || x.patch - y.patch;
  if (byNumber !== 0) return Math.sign(byNumber);
  if (x.qualifier === y.qualifier) return 0;
  if (x.qualifier === null) return 1;
  if (y.qualifier === null) return -1;
  return x.qualifier < y.qualifier ? -1 : 1;
}

/** Classifies `from -> to`: which component changed first, and whether it goes up or down. */
export function classifyChange(from: string, to: string): VersionChange {
  const a = requireVersion(from);
  const b = requireVersion(to);
  const cmp = compareVersions(from, to);
  const direction: ChangeDirection = cmp === 0 ? 'none' : cmp < 0 ? 'up' : 'down';
  const kind: ChangeKind = a.major !== b.major ? 'major' : a.minor !== b.minor ? 'minor' : cmp !== 0 ? 'patch' : 'same';
  const label = kind === 'same' ? `same version ${from}` : `${kind} ${direction === 'up' ? 'upgrade' : 'downgrade'} ${from} -> ${to}`;
  return { from, to, kind, direction, label };
}

/**
 * Whether Keycloak can, in principle, roll between these two versions:
 * only the same version, or a patch *upgrade* within one minor stream on
 * 26.6+ (where `rolling-updates:v2` is on by default; preview in 26.3-26.5).
 * Used only to explain a result; the check's exit code is the answer.
 */
export function rollingPossibleInPrinciple(change: VersionChange): boolean {
  if (change.kind === 'same') return true;
  if (change.kind !== 'patch' || change.direction !== 'up') return false;
  const to = requireVersion(change.to);
  return to.major > 26 || (to.major === 26 && to.minor >= 6);
}
