/**
 * What the smoke tests take from a cluster spec (which secret each check
 * uses, read through the real secret references) and how they fail when the
 * preview path does not answer (a closed loopback port: a real refusal).
 * Every check against a real Keycloak runs on the lab
 * (test/integration/smoke.test.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterSpecSchema, type ClusterSpecInput } from '../../shared/contract/index.ts';
import { resolveSecretRef } from '../services/secret-refs.ts';
import { runSmokeTests, smokeTargetFromSpec } from './keycloak-smoke.ts';

const dir = mkdtempSync(join(tmpdir(), 'keyturn-smoke-'));
const secretFile = (name: string, value: string) => {
  const file = join(dir, name);
  writeFileSync(file, value, { mode: 0o600 });
  return { file };
};
const probeSecret = secretFile('probe', 'Probe-Secret-41c9e2');
const userPassword = secretFile('user', 'User-Password-9d0b17');
const adminPassword = secretFile('admin', 'Admin-Password-5e7a33');

function spec(extra: Partial<ClusterSpecInput> = {}) {
  return clusterSpecSchema.parse({
    name: 'acme',
    keycloak: { version: '26.7.0', url: 'https://sso.acme.example' },
    nodes: [{ name: 'n1', host: '127.0.36.1', user: 'keycloak' }],
    database: { host: '127.0.36.2', name: 'keycloak', user: 'keycloak' },
    traffic: { kind: 'dns', name: 'sso.acme.example', server: '127.0.36.3' },
    probe: { realm: 'acme', clientId: 'probe', clientSecretRef: probeSecret },
    admin: { username: 'admin', passwordRef: adminPassword },
    ...extra,
  });
}
const preview = { address: '127.0.36.9', port: 1 };

describe('smokeTargetFromSpec', () => {
  it('logs the test user in with the probe client and its secret unless told otherwise', async () => {
    const t = await smokeTargetFromSpec(spec({ smoke: { user: { username: 'smoke', passwordRef: userPassword } } }), preview, resolveSecretRef);
    expect(t).toMatchObject({
      publicUrl: 'https://sso.acme.example',
      realm: 'acme',
      client: { id: 'probe', secret: 'Probe-Secret-41c9e2' },
      user: { username: 'smoke', password: 'User-Password-9d0b17', clientId: 'probe', clientSecret: 'Probe-Secret-41c9e2' },
      admin: { username: 'admin', password: 'Admin-Password-5e7a33' },
      checks: [],
    });
  });

  it("uses another client without a secret (public) or with the user's own secret reference", async () => {
    const pub = await smokeTargetFromSpec(spec({ smoke: { user: { username: 'smoke', passwordRef: userPassword, clientId: 'web' } } }), preview, resolveSecretRef);
    expect(pub.user).toMatchObject({ clientId: 'web', clientSecret: null });
    const own = await smokeTargetFromSpec(spec({ smoke: { user: { username: 'smoke', passwordRef: userPassword, clientSecretRef: secretFile('own', 'Own-Secret-2b8f60') } } }), preview, resolveSecretRef);
    expect(own.user).toMatchObject({ clientId: 'probe', clientSecret: 'Own-Secret-2b8f60' });
  });

  it('refuses a cluster without a probe client, saying what to add', async () => {
    await expect(smokeTargetFromSpec(spec({ probe: undefined }), preview, resolveSecretRef)).rejects.toMatchObject({ code: 'invalid-input', hint: expect.stringMatching(/probe: \{ realm, clientId, clientSecretRef \}/) });
  });

  it('names the unreadable secret reference', async () => {
    const broken = spec({ probe: { realm: 'acme', clientId: 'probe', clientSecretRef: { file: join(dir, 'absent') } } });
    await expect(smokeTargetFromSpec(broken, preview, resolveSecretRef)).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining(join(dir, 'absent')) });
  });
});

describe('runSmokeTests without an answer', () => {
  it('fails every check with the URL, the preview address and the refusal, and leaks no secret', async () => {
    const t = await smokeTargetFromSpec(spec({ keycloak: { version: '26.7.0', url: 'http://sso.acme.example:8080' }, smoke: { user: { username: 'smoke', passwordRef: userPassword }, checks: [] } }), preview, resolveSecretRef);
    const r = await runSmokeTests(t, { timeoutMs: 5000 });
    expect(r).toMatchObject({ ok: false, preview: '127.0.36.9:1', host: 'sso.acme.example:8080' });
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([['client-credentials', false], ['password-login', false], ['refresh', false], ['userinfo', false], ['admin-read', false]]);
    expect(r.checks[0]!.reason).toBe('POST http://sso.acme.example:8080/realms/acme/protocol/openid-connect/token via 127.0.36.9:1: no answer (ECONNREFUSED)');
    expect(r.checks[2]!.reason).toBe('not tried: the password login gave no refresh token');
    expect(r.checks[4]!.reason).toMatch(/^POST http:\/\/sso\.acme\.example:8080\/realms\/master\/protocol\/openid-connect\/token via 127\.0\.36\.9:1: no answer/);
    for (const s of ['Probe-Secret-41c9e2', 'User-Password-9d0b17', 'Admin-Password-5e7a33']) expect(JSON.stringify(r)).not.toContain(s);
  });

  it('refuses a public URL that is not http(s)', async () => {
    const t = await smokeTargetFromSpec(spec(), preview, resolveSecretRef);
    await expect(runSmokeTests({ ...t, publicUrl: 'ftp://sso.acme.example' })).rejects.toMatchObject({ code: 'invalid-input' });
  });
});
