/**
 * Does the load balancer's health check tolerate Keycloak's readiness dip?
 *
 * While one node leaves a Keycloak cluster, `/health/ready` on the nodes that
 * stay can answer DOWN for up to about a second as their cache view changes.
 * A rolling upgrade has just drained the leaving node, so the node that stays
 * is the last one serving: if HAProxy marks it DOWN for that dip, every
 * request gets 503 until it is back (seen once on the lab with `fall 2` at
 * 250 ms). This module reads each server's check settings from the runtime
 * API and says, as warnings a person can act on, where they are too tight.
 *
 * What HAProxy 2.6 tells: `show stat` reports `check_rise`, `check_fall` and
 * whether a server is checked at all, but neither `inter` nor `fastinter`
 * (no stat field, nor `show servers state`). A server goes out after `fall`
 * failed checks in a row, spaced by `fastinter` (`inter` when unset) once the
 * first one failed, so a dip shorter than (fall − 1) × fastinter never takes
 * it out. With the interval unknown, the rule asks for the fall at which a
 * 500 ms fastinter already covers the required span, and says so.
 */
import { KeyturnError } from '../../shared/errors.ts';
import { backendStat, type HaproxyCallOptions, type RuntimeApi } from './haproxy.ts';

/** One backend server's health-check settings as the running HAProxy reports them. */
export interface ServerCheckSettings {
  server: string;
  /** False for a server without `check`: HAProxy never takes it out of rotation on its own. */
  checked: boolean;
  rise: number | null;
  fall: number | null;
  /** ms between checks once one failed (`fastinter`, else `inter`), when known; HAProxy 2.6's runtime API does not report it. */
  transitionIntervalMs: number | null;
}

/** A setting that can take the last serving node out of rotation, and what to set instead. */
export interface ToleranceWarning {
  message: string;
  hint: string;
  servers: string[];
}

/**
 * How long a server must be allowed to fail its check before it goes out:
 * twice the ~750 ms readiness dip measured on the lab, so a slower machine's
 * dip is covered too. The lab's settings (fall 4, fastinter 500ms) give exactly this.
 */
export const REQUIRED_TOLERANCE_MS = 1500;

/**
 * The shortest `fastinter` the rule credits when the interval is unknown. An
 * interval below it is unusual (HAProxy's default is 2 s), and with it `fall 4`
 * is the least that covers REQUIRED_TOLERANCE_MS.
 */
export const ASSUMED_MIN_INTERVAL_MS = 500;

/** The smallest fall that tolerates `requiredMs` when checks are `intervalMs` apart. */
function minFall(requiredMs: number, intervalMs: number): number {
  return 1 + Math.ceil(requiredMs / intervalMs);
}

const ms = (n: number) => (n >= 1000 ? `${n / 1000} s` : `${n} ms`);

/**
 * Pure rule: a warning for each group of checked servers whose settings let a
 * readiness dip shorter than `requiredMs` take them out of rotation. Servers
 * with the same settings share one warning that names them all.
 */
export function checkTolerance(backend: string, servers: readonly ServerCheckSettings[], requiredMs = REQUIRED_TOLERANCE_MS): ToleranceWarning[] {
  const groups = new Map<string, { fall: number; interval: number | null; servers: string[] }>();
  for (const s of servers) {
    if (!s.checked || s.fall === null) continue;
    const key = `${s.fall}/${s.transitionIntervalMs ?? '?'}`;
    const g = groups.get(key) ?? { fall: s.fall, interval: s.transitionIntervalMs, servers: [] };
    g.servers.push(s.server);
    groups.set(key, g);
  }
  const warnings: ToleranceWarning[] = [];
  for (const { fall, interval, servers: names } of groups.values()) {
    const who = `${names.join(', ')} in HAProxy backend ${backend}`;
    const example = `for example \`check inter 1s fastinter 500ms downinter 500ms fall 4 rise 2\``;
    const why = `While another node leaves the cluster, Keycloak's /health/ready on the nodes that stay can answer DOWN for up to about a second; ` +
      'during a rolling upgrade the node that stays is the last one serving, and once HAProxy takes it out every request gets 503.';
    const rule = `Let a server fail its check for at least ${ms(requiredMs)} before it goes out: (fall − 1) × fastinter ≥ ${ms(requiredMs)} (fastinter defaults to inter), ${example}.`;
    if (interval !== null) {
      const span = (fall - 1) * interval;
      if (span >= requiredMs) continue;
      warnings.push({
        servers: names,
        message: `${who} go out of rotation after ${fall} failed health check${fall === 1 ? '' : 's'} ${ms(interval)} apart (fall ${fall}, fastinter ${ms(interval)}): ` +
          `a readiness dip of ${span === 0 ? 'a single check' : ms(span)} takes them out. ${why}`,
        hint: `${rule} With fastinter ${ms(interval)} that is fall ${minFall(requiredMs, interval)} or more.`,
      });
      continue;
    }
    if (fall >= minFall(requiredMs, ASSUMED_MIN_INTERVAL_MS)) continue;
    const needed = fall <= 1 ? null : Math.ceil(requiredMs / (fall - 1));
    warnings.push({
      servers: names,
      message: `${who} go out of rotation after ${fall === 1 ? 'a single failed health check (fall 1)' : `${fall} failed health checks in a row (fall ${fall})`}: ` +
        `${needed === null ? 'any readiness dip takes them out' : `a readiness dip takes them out unless the check interval is at least ${ms(needed)}`}. ${why}`,
      hint: `${rule} HAProxy's runtime API does not report the check interval, so Keyturn checks fall only: ` +
        (needed === null ? 'fall 1 tolerates no failed check at any interval.' : `with fall ${fall}, make sure fastinter (or inter) is at least ${ms(needed)}, or raise fall.`),
    });
  }
  return warnings;
}

/** One line for the run record when nothing needs changing, saying what was checked and on what assumption. */
export function toleranceSummary(backend: string, servers: readonly ServerCheckSettings[]): string {
  const checked = servers.filter((s) => s.checked && s.fall !== null);
  if (!checked.length) return `HAProxy backend ${backend}: no server is health-checked, so no readiness dip takes one out of rotation`;
  const falls = [...new Set(checked.map((s) => s.fall))].join('/');
  const known = checked.every((s) => s.transitionIntervalMs !== null);
  return `HAProxy backend ${backend}: ${checked.map((s) => s.server).join(', ')} go out of rotation after ${falls} failed checks in a row; ` +
    (known ? `that covers a readiness dip of ${ms(REQUIRED_TOLERANCE_MS)}` : `with fastinter ${ms(ASSUMED_MIN_INTERVAL_MS)} or more that covers a readiness dip of ${ms(REQUIRED_TOLERANCE_MS)} (the interval is not visible through the runtime API)`);
}

/** The check settings of every server of `backend`, from its `show stat` rows (`check_rise`, `check_fall`, `status`). */
export async function readCheckSettings(api: RuntimeApi, backend: string, opts: HaproxyCallOptions = {}): Promise<ServerCheckSettings[]> {
  const rows = await backendStat(api, backend, opts);
  if (!rows.length) throw new KeyturnError('not-found', `HAProxy at ${api} has no backend '${backend}'`, 'Check the backend name in the cluster spec against haproxy.cfg.');
  const num = (v: string | undefined) => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
  return rows.filter((r) => r.svname !== 'BACKEND').map((r) => {
    const fall = num(r.check_fall);
    return { server: r.svname!, checked: fall !== null && r.status !== 'no check', rise: num(r.check_rise), fall, transitionIntervalMs: null };
  });
}

/** What preflight records: warnings to show, or one line saying the settings are fine. */
export interface ToleranceReport {
  warnings: ToleranceWarning[];
  summary: string | null;
}

/**
 * Reads and judges the backend's checks. It never fails a run: a runtime API
 * that cannot be read is itself one warning (only a cancellation is thrown).
 */
export async function assessCheckTolerance(api: RuntimeApi, backend: string, opts: HaproxyCallOptions = {}): Promise<ToleranceReport> {
  let servers: ServerCheckSettings[];
  try {
    servers = await readCheckSettings(api, backend, opts);
  } catch (err) {
    if (opts.signal?.aborted || (err instanceof KeyturnError && err.code === 'aborted')) throw err;
    const e = err instanceof KeyturnError ? err : null;
    return {
      summary: null,
      warnings: [{
        servers: [],
        message: `Could not read the health-check settings of HAProxy backend ${backend}: ${(err as Error).message}. ` +
          'Keyturn cannot tell whether a readiness dip of the last serving node would take it out of rotation.',
        hint: `${e?.hint ? `${e.hint} ` : ''}Check by hand that (fall − 1) × fastinter ≥ ${ms(REQUIRED_TOLERANCE_MS)} for every server of the backend.`,
      }],
    };
  }
  const warnings = checkTolerance(backend, servers);
  return { warnings, summary: warnings.length ? null : toleranceSummary(backend, servers) };
}
