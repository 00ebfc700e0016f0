/**
 * Pre-promotion smoke tests of a Keycloak cluster through a preview path.
 *
 * Why: before blue/green moves the public name, green must prove it serves
 * clients exactly as they will reach it: same host name (so the issuer,
 * cookies and redirect checks are the production ones), but sent to green's
 * load balancer by address because DNS still points at blue. Each check is a
 * named result with its duration and a reason a person can act on (which URL,
 * which status, Keycloak's own error); the caller decides what a failure
 * means. Secrets and the tokens obtained never appear in a result: every
 * reason passes through a redactor that knows them.
 *
 * Tools are the lowest layer, so secrets arrive resolved: `smokeTargetFromSpec`
 * takes the caller's resolver (services/secret-refs.ts) for the spec's
 * references.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, isIPv6 } from 'node:net';
import type { ClusterSpec, SecretRef } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { runTool, tailLines } from './process.ts';
import { createRedactor, type Redactor } from './redact.ts';

/** Where green's load balancer listens, reached by address while DNS still names blue. */
export interface PreviewPath {
  address: string;
  port: number;
}

/** A customer's own check from the cluster file (`smoke.checks`). */
export type CustomSmokeCheck = { name: string; url: string } | { name: string; argv: string[] };

/** Everything one smoke run needs, secrets resolved. */
export interface SmokeTarget {
  /** The production base URL (its host is sent as Host and as TLS server name), e.g. https://sso.acme.example. */
  publicUrl: string;
  preview: PreviewPath;
  realm: string;
  client: { id: string; secret: string };
  /**
   * Test user of `realm` for the password login, refresh and userinfo, with
   * the client it logs in with (`clientSecret` null for a public client);
   * null when the cluster file names none.
   */
  user: { username: string; password: string; clientId: string; clientSecret: string | null } | null;
  /** Admin of the master realm for the admin API read; null when the cluster file names none. */
  admin: { username: string; password: string } | null;
  checks: readonly CustomSmokeCheck[];
}

/** One named check's outcome. `reason` says why it failed (null when it passed); it never holds a secret or token. */
export interface SmokeCheckResult {
  name: string;
  kind: 'keycloak' | 'url' | 'command';
  ok: boolean;
  durationMs: number;
  reason: string | null;
}

export interface SmokeResult {
  ok: boolean;
  /** `address:port` the requests went to. */
  preview: string;
  /** The Host sent. */
  host: string;
  checks: SmokeCheckResult[];
}

export interface SmokeOptions {
  /** Per request or command. Default 15 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The built-in checks, in the order they run. */
export const keycloakCheckNames = ['client-credentials', 'password-login', 'refresh', 'userinfo', 'admin-read'] as const;

/**
 * The smoke target of a registered cluster: the probe client (realm, client,
 * secret), `smoke.user`, `admin` and `smoke.checks`, with each secret read
 * through `resolveSecret` at the moment of use. Throws `invalid-input` when
 * the cluster has no probe client, without which nothing can be asked.
 */
export async function smokeTargetFromSpec(spec: ClusterSpec, preview: PreviewPath, resolveSecret: (ref: SecretRef, what: string) => Promise<string>): Promise<SmokeTarget> {
  if (!spec.probe) {
    throw new KeyturnError('invalid-input', `Cluster '${spec.name}' has no probe client, so its smoke tests have no client to log in with.`, 'Add probe: { realm, clientId, clientSecretRef } to the cluster file (a confidential client with service accounts and direct access grants).');
  }
  const p = spec.probe;
  const user = spec.smoke?.user;
  const clientSecret = await resolveSecret(p.clientSecretRef, `The probe client secret of cluster '${spec.name}'`);
  const userClientId = user?.clientId ?? p.clientId;
  let userClientSecret: string | null = null;
  if (user?.clientSecretRef) userClientSecret = await resolveSecret(user.clientSecretRef, `The smoke test client secret of cluster '${spec.name}'`);
  else if (userClientId === p.clientId) userClientSecret = clientSecret;
  return {
    publicUrl: spec.keycloak.url ?? `https://${spec.traffic.name}`,
    preview,
    realm: p.realm,
    client: { id: p.clientId, secret: clientSecret },
    user: user ? { username: user.username, password: await resolveSecret(user.passwordRef, `The smoke test user's password of cluster '${spec.name}'`), clientId: userClientId, clientSecret: userClientSecret } : null,
    admin: spec.admin ? { username: spec.admin.username, password: await resolveSecret(spec.admin.passwordRef, `The admin password of cluster '${spec.name}'`) } : null,
    checks: spec.smoke?.checks ?? [],
  };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request to the preview address with the production Host (and TLS server name). Throws on transport failure. */
function previewRequest(t: SmokeTarget, url: URL, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; form?: Record<string, string> }, opts: SmokeOptions): Promise<Answer> {
  const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
  const headers: Record<string, string> = { host: url.host, accept: 'application/json', connection: 'close', ...(init.headers ?? {}) };
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: t.preview.address,
        port: t.preview.port,
        path: `${url.pathname}${url.search}`,
        method: init.method,
        headers,
        // TLS: the production name for SNI and certificate checks (RFC 6066 allows no IP address there).
        ...(isIP(url.hostname.replace(/^\[|\]$/g, '')) ? {} : { servername: url.hostname }),
        agent: false,
        timeout: timeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A check failed: `reason` goes into the result (redacted later). */
class CheckFailure extends Error {}

const json = (body: string): Record<string, unknown> | null => {
  try {
    const v: unknown = JSON.parse(body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/**
 * Keycloak's own words for an error answer: `error` / `error_description`
 * (OIDC), `errorMessage` (admin API), or the bearer challenge's
 * `error_description` (userinfo answers 401 with an empty body).
 */
function keycloakError(a: Answer): string {
  const j = json(a.body);
  const parts = [j?.['error'], j?.['error_description'], j?.['errorMessage']].filter((v): v is string => typeof v === 'string' && v !== '');
  // ' - ', not ': ': the redactor would read `invalid_token: text` as a token and hide the text.
  if (parts.length) return parts.join(' - ');
  const challenge = a.headers['www-authenticate'];
  const said = typeof challenge === 'string' ? [...challenge.matchAll(/\b(error|error_description)="([^"]*)"/g)].map((m) => m[2]) : [];
  if (said.length) return said.join(' - ');
  const text = a.body.replace(/\s+/g, ' ').trim().slice(0, 160);
  return text === '' ? 'empty body' : `body: ${text}`;
}

/** Makes the request and returns the answer when `accept` says so; otherwise a failure naming the URL, the status and Keycloak's error. */
async function expectAnswer(t: SmokeTarget, url: URL, init: Parameters<typeof previewRequest>[2], opts: SmokeOptions, accept: (a: Answer) => boolean): Promise<Answer> {
  const where = `${init.method} ${url.href} via ${describePreview(t.preview)}`;
  let a: Answer;
  try {
    a = await previewRequest(t, url, init, opts);
  } catch (err) {
    if (opts.signal?.aborted) throw new KeyturnError('aborted', 'The smoke tests were stopped.', 'Nothing was changed; run them again when ready.');
    const e = err as { code?: string; message?: string };
    throw new CheckFailure(`${where}: no answer (${e.code ?? e.message ?? String(err)})`);
  }
  if (!accept(a)) throw new CheckFailure(`${where}: HTTP ${a.status} (${keycloakError(a)})`);
  return a;
}

const describePreview = (p: PreviewPath): string => `${isIPv6(p.address) ? `[${p.address}]` : p.address}:${p.port}`;

/** A token answer's field, or a failure saying which field was missing. */
function tokenField(a: Answer, field: string, url: URL): string {
  const v = json(a.body)?.[field];
  if (typeof v !== 'string' || v === '') throw new CheckFailure(`POST ${url.href}: HTTP ${a.status} but no ${field} in the answer`);
  return v;
}

/** Tokens the checks obtained, so later checks can use them and the redactor can hide them. */
interface Session {
  tokens: string[];
  access?: string;
  refresh?: string;
}

type Check = { name: string; kind: SmokeCheckResult['kind']; run: () => Promise<void> };

/** The five Keycloak checks of issue 12, each using what the previous ones obtained. */
function keycloakChecks(t: SmokeTarget, opts: SmokeOptions, s: Session): Check[] {
  const base = new URL(t.publicUrl.replace(/\/+$/, '') + '/');
  const at = (path: string) => new URL(path, base);
  const realm = encodeURIComponent(t.realm);
  const tokenUrl = at(`realms/${realm}/protocol/openid-connect/token`);
  const client = { client_id: t.client.id, client_secret: t.client.secret };
  const userClient: Record<string, string> = t.user ? { client_id: t.user.clientId, ...(t.user.clientSecret !== null ? { client_secret: t.user.clientSecret } : {}) } : {};
  const ok200 = (a: Answer) => a.status === 200;
  const keep = (token: string) => (s.tokens.push(token), token);
  return [
    { name: 'client-credentials', kind: 'keycloak', run: async () => {
      const a = await expectAnswer(t, tokenUrl, { method: 'POST', form: { grant_type: 'client_credentials', ...client } }, opts, ok200);
      keep(tokenField(a, 'access_token', tokenUrl));
    } },
    { name: 'password-login', kind: 'keycloak', run: async () => {
      if (!t.user) throw new CheckFailure(`no test user: add smoke.user { username, passwordRef } (a user of realm '${t.realm}') to the cluster file`);
      const a = await expectAnswer(t, tokenUrl, { method: 'POST', form: { grant_type: 'password', scope: 'openid', username: t.user.username, password: t.user.password, ...userClient } }, opts, ok200);
      s.access = keep(tokenField(a, 'access_token', tokenUrl));
      s.refresh = keep(tokenField(a, 'refresh_token', tokenUrl));
    } },
    { name: 'refresh', kind: 'keycloak', run: async () => {
      if (!s.refresh) throw new CheckFailure('not tried: the password login gave no refresh token');
      const a = await expectAnswer(t, tokenUrl, { method: 'POST', form: { grant_type: 'refresh_token', refresh_token: s.refresh, ...userClient } }, opts, ok200);
      s.access = keep(tokenField(a, 'access_token', tokenUrl));
    } },
    { name: 'userinfo', kind: 'keycloak', run: async () => {
      if (!s.access || !t.user) throw new CheckFailure('not tried: the password login gave no access token');
      const url = at(`realms/${realm}/protocol/openid-connect/userinfo`);
      const a = await expectAnswer(t, url, { method: 'GET', headers: { authorization: `Bearer ${s.access}` } }, opts, ok200);
      const who = json(a.body)?.['preferred_username'];
      if (who !== t.user.username.toLowerCase()) throw new CheckFailure(`GET ${url.href}: HTTP 200 but preferred_username is ${JSON.stringify(who ?? null)}, not '${t.user.username}'`);
    } },
    { name: 'admin-read', kind: 'keycloak', run: async () => {
      if (!t.admin) throw new CheckFailure('no admin: add admin { username, passwordRef } (a master realm admin) to the cluster file');
      const adminTokenUrl = at('realms/master/protocol/openid-connect/token');
      const a = await expectAnswer(t, adminTokenUrl, { method: 'POST', form: { grant_type: 'password', client_id: 'admin-cli', username: t.admin.username, password: t.admin.password } }, opts, ok200);
      const bearer = { authorization: `Bearer ${keep(tokenField(a, 'access_token', adminTokenUrl))}` };
      const realmUrl = at(`admin/realms/${realm}`);
      const r = await expectAnswer(t, realmUrl, { method: 'GET', headers: bearer }, opts, ok200);
      if (json(r.body)?.['realm'] !== t.realm) throw new CheckFailure(`GET ${realmUrl.href}: HTTP 200 but not the representation of realm '${t.realm}'`);
      const countUrl = at(`admin/realms/${realm}/users/count`);
      const c = await expectAnswer(t, countUrl, { method: 'GET', headers: bearer }, opts, ok200);
      if (!/^\d+$/.test(c.body.trim())) throw new CheckFailure(`GET ${countUrl.href}: HTTP 200 but not a user count`);
    } },
  ];
}

/** The cluster file's own checks: a URL expects 2xx through the preview path, a command exit 0. */
function customChecks(t: SmokeTarget, opts: SmokeOptions, redact: () => Redactor): Check[] {
  return t.checks.map((c): Check => {
    if ('url' in c) {
      return { name: c.name, kind: 'url', run: async () => {
        await expectAnswer(t, new URL(c.url), { method: 'GET', headers: { accept: '*/*' } }, opts, (a) => a.status >= 200 && a.status < 300);
      } };
    }
    return { name: c.name, kind: 'command', run: async () => {
      const [command = '', ...args] = c.argv;
      try {
        const r = await runTool({
          tool: `smoke check '${c.name}'`,
          command,
          args,
          // Where the command should send its requests to test the preview path.
          env: { KEYTURN_PREVIEW_ADDRESS: t.preview.address, KEYTURN_PREVIEW_PORT: String(t.preview.port), KEYTURN_PUBLIC_URL: t.publicUrl },
          timeoutMs: opts.timeoutMs ?? 60_000,
          ...(opts.signal ? { signal: opts.signal } : {}),
          redact: redact(),
        });
        if (r.exitCode !== 0) {
          const tail = tailLines(r.stderr || r.stdout, 3).replace(/\s*\n\s*/g, ' | ');
          throw new CheckFailure(`${c.argv.join(' ')} exited ${r.exitCode}${tail ? `: ${tail}` : ''}`);
        }
      } catch (err) {
        if (err instanceof KeyturnError && err.code !== 'aborted') throw new CheckFailure(`${err.message} ${err.hint}`);
        throw err;
      }
    } };
  });
}

/**
 * Runs every smoke check in order through `t.preview` and returns each
 * outcome; never throws for a failing check (only `aborted`). A check that
 * depends on an earlier one (refresh, userinfo) fails saying it was not tried.
 */
export async function runSmokeTests(t: SmokeTarget, opts: SmokeOptions = {}): Promise<SmokeResult> {
  const base = new URL(t.publicUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new KeyturnError('invalid-input', `The public URL ${t.publicUrl} is not http(s).`, 'Set keycloak.url to the URL clients use, such as https://sso.acme.example.');
  }
  const session: Session = { tokens: [] };
  const redactor = (): Redactor => createRedactor([t.client.secret, t.user?.password ?? '', t.user?.clientSecret ?? '', t.admin?.password ?? '', ...session.tokens]);
  const results: SmokeCheckResult[] = [];
  for (const check of [...keycloakChecks(t, opts, session), ...customChecks(t, opts, redactor)]) {
    const started = performance.now();
    let reason: string | null = null;
    try {
      await check.run();
    } catch (err) {
      if (err instanceof KeyturnError && err.code === 'aborted') throw err;
      reason = err instanceof CheckFailure ? err.message : `unexpected error: ${(err as Error)?.message ?? String(err)}`;
    }
    results.push({ name: check.name, kind: check.kind, ok: reason === null, durationMs: Math.round((performance.now() - started) * 10) / 10, reason });
  }
  const redact = redactor();
  const checks = results.map((r) => ({ ...r, reason: r.reason === null ? null : redact(r.reason) }));
  return { ok: checks.every((c) => c.ok), preview: describePreview(t.preview), host: base.host, checks };
}
