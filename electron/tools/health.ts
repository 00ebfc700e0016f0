/**
 * Keycloak node probes on the management port (9000 by default, with
 * `health-enabled=true` / `metrics-enabled=true`).
 *
 * Why `/health/ready` is the gate: from 26.6 `/health/started` turns UP
 * before database migrations finish (DESIGN §5), so only readiness says a
 * node can take traffic. A probe never throws for a sick node: DOWN and
 * unreachable are answers the engine records and shows. Only waiting has a
 * deadline, and its error names the node and the last thing it said.
 */
import { z } from 'zod';
import { KeyturnError } from '../../shared/errors.ts';
import { pause } from './abortable-pause.ts';

export type HealthPath = '/health/ready' | '/health/live' | '/health/started';

/** A node's management interface (`address` defaults to the SSH host in the cluster spec). */
export interface HealthTarget {
  address: string;
  managementPort: number;
  /** https when the management interface has TLS (it inherits the server's certificates). */
  scheme?: 'http' | 'https';
}

export interface HealthCheckOptions extends HealthTarget {
  path?: HealthPath;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const checkSchema = z.object({
  name: z.string(),
  status: z.enum(['UP', 'DOWN']),
  data: z.record(z.string(), z.unknown()).optional(),
});
const bodySchema = z.object({ status: z.enum(['UP', 'DOWN']), checks: z.array(checkSchema).optional() });

export type HealthCheck = z.infer<typeof checkSchema>;

/** One probe's answer; `detail` is what the run log and the timeout error show. */
export interface HealthResult {
  status: 'UP' | 'DOWN' | 'unreachable';
  /** The individual checks Keycloak reported (database, cache, ...), empty when it sent none. */
  checks: HealthCheck[];
  /** null when no HTTP answer came back. */
  httpStatus: number | null;
  /** Why it is not UP, in a few words (connection refused, no answer within 2000 ms, HTTP 404, ...). */
  detail: string | null;
}

function baseUrl({ address, managementPort, scheme = 'http' }: HealthTarget): string {
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  return `${scheme}://${host}:${managementPort}`;
}

function abortedError(what: string): KeyturnError {
  return new KeyturnError('aborted', `${what} was cancelled`, 'Nothing was changed; probe again when ready.');
}

/** Why fetch failed, without undici's "fetch failed" wrapper. */
function networkDetail(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
  if (code === 'ENOTFOUND') return 'host name not found';
  return code ?? e.cause?.message ?? e.message ?? String(err);
}

/** GET with a per-request deadline that also follows the caller's signal. */
async function get(url: string, timeoutMs: number, signal: AbortSignal | undefined, what: string): Promise<{ res: Response; body: string } | { error: string }> {
  if (signal?.aborted) throw abortedError(what);
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { signal: signal ? AbortSignal.any([signal, deadline]) : deadline, redirect: 'manual' });
    return { res, body: await res.text() };
  } catch (err) {
    if (signal?.aborted) throw abortedError(what);
    return { error: networkDetail(err, timeoutMs) };
  }
}

/** One probe of a health endpoint. DOWN and unreachable are results, not errors. */
export async function checkHealth({ path = '/health/ready', timeoutMs = 5000, signal, ...target }: HealthCheckOptions): Promise<HealthResult> {
  const got = await get(`${baseUrl(target)}${path}`, timeoutMs, signal, `Health check of ${target.address}`);
  if ('error' in got) return { status: 'unreachable', checks: [], httpStatus: null, detail: got.error };
  const { res, body } = got;
  let parsed: z.infer<typeof bodySchema> | undefined;
  try {
    const result = bodySchema.safeParse(JSON.parse(body));
    if (result.success) parsed = result.data;
  } catch {
    // not JSON: a proxy's error page, or health not enabled
  }
  const checks = parsed?.checks ?? [];
  if (res.status === 200 && parsed?.status === 'UP') return { status: 'UP', checks, httpStatus: 200, detail: null };
  let detail: string;
  if (parsed?.status === 'DOWN') {
    const failing = checks.filter((c) => c.status === 'DOWN').map((c) => c.name);
    detail = failing.length ? `HTTP ${res.status}; failing: ${failing.join(', ')}` : `HTTP ${res.status}`;
  } else if (res.status === 404) {
    detail = `HTTP 404 on ${path}: is health-enabled=true and is ${target.managementPort} the management port?`;
  } else {
    detail = `HTTP ${res.status} without a Keycloak health answer`;
  }
  return { status: 'DOWN', checks, httpStatus: res.status, detail };
}

export interface WaitForReadyOptions extends HealthTarget {
  path?: HealthPath;
  /** Overall deadline. */
  timeoutMs: number;
  intervalMs?: number;
  /** Per-probe deadline; defaults to the interval (at least 1 s). */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  onPoll?: (result: HealthResult, attempt: number) => void;
}

function describeResult(r: HealthResult): string {
  return r.detail ? `${r.status} (${r.detail})` : r.status;
}

/**
 * Polls until the node says UP (default `/health/ready`), so the next node is
 * only stopped once this one takes traffic. Throws 'timeout' naming the node
 * and its last answer.
 */
export async function waitForReady({ path = '/health/ready', timeoutMs, intervalMs = 1000, requestTimeoutMs, signal, onPoll, ...target }: WaitForReadyOptions): Promise<HealthResult> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const node = `${target.address}:${target.managementPort}`;
  for (let attempt = 1; ; attempt++) {
    const budget = Math.max(1, Math.min(requestTimeoutMs ?? Math.max(intervalMs, 1000), deadline - Date.now()));
    const result = await checkHealth({ ...target, path, timeoutMs: budget, signal });
    onPoll?.(result, attempt);
    if (result.status === 'UP') return result;
    if (Date.now() + intervalMs > deadline) {
      throw new KeyturnError(
        'timeout',
        `Node ${node} was not ready (${path}) within ${Math.round(timeoutMs / 1000)} s; last status: ${describeResult(result)}`,
        result.status === 'unreachable'
          ? `Check that Keycloak is running on ${target.address} and that the management port ${target.managementPort} is reachable from here.`
          : `Look at the Keycloak log on ${target.address}: a failing database migration, a cluster join problem or a wrong option keeps it DOWN.`,
        { last: result, attempts: attempt },
      );
    }
    await pause(intervalMs, signal);
    if (signal?.aborted) throw abortedError(`Waiting for ${node} to be ready`);
  }
}

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(?:\s+-?\d+)?$/;

/**
 * The largest value of `metric` in Prometheus text format (all label sets),
 * or null if it is absent. Max, because each cache manager reports its own
 * view and a node that sees fewer members is the one still joining.
 */
export function prometheusMax(text: string, metric: string): number | null {
  let max: number | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m || m[1] !== metric) continue;
    const value = Number(m[3]);
    if (Number.isFinite(value) && (max === null || value > max)) max = value;
  }
  return max;
}

export interface ClusterSizeOptions extends HealthTarget {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * How many members this node sees in its cache cluster (`vendor_cluster_size`
 * from `/metrics`), to confirm a restarted node rejoined before moving on.
 * null when metrics are off (404) or the metric is missing.
 */
export async function clusterSize({ timeoutMs = 5000, signal, ...target }: ClusterSizeOptions): Promise<number | null> {
  const url = `${baseUrl(target)}/metrics`;
  const got = await get(url, timeoutMs, signal, `Reading metrics of ${target.address}`);
  if ('error' in got) {
    throw new KeyturnError('tool-failed', `Cannot read ${url}: ${got.error}`, `Check that Keycloak runs on ${target.address} and that the management port ${target.managementPort} is reachable from here.`);
  }
  if (got.res.status === 404) return null;
  if (got.res.status !== 200) {
    throw new KeyturnError('tool-failed', `${url} answered HTTP ${got.res.status}`, 'Look at the Keycloak log on the node.');
  }
  return prometheusMax(got.body, 'vendor_cluster_size');
}
