import { describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../../../shared/contract/index.ts';
import { clientIssues } from './client-checks.ts';
import { draftFromSpec, emptyDraft, newOption } from './draft.ts';
import { draftToSpec } from './draft-to-spec.ts';
import { fieldIdForPath, issuesFromDetails, placeIssues } from './field-errors.ts';

const spec = clusterSpecSchema.parse({
  name: 'acme-prod',
  environment: 'staging',
  keycloak: { version: '26.4.2', url: 'https://sso.acme.example', options: { 'cache-stack': 'jdbc-ping', features: 'a,b' }, secretOptions: { 'db-password': { env: 'PW' } } },
  nodes: [{ name: 'n1', host: 'h1', user: 'u', keyPath: '/k', port: 2222, keycloakHome: '/srv/kc/current' }, { name: 'n2', host: 'h2', user: 'u' }],
  database: { host: 'db', name: 'kc', user: 'kc', passwordRef: { env: 'DBPW' } },
  traffic: { kind: 'dns', name: 'sso.x', server: 'ns', ttl: 5, tsigKeyRef: { file: '/t' } },
  loadBalancer: { kind: 'haproxy', runtimeApi: '/s', backend: 'kc' },
  terraform: { dir: '/tf', secretVars: { db_password: { env: 'TF_DB_PW' } } },
  ansible: { inventory: 'i', playbook: 'p', stopPlaybook: 's', phased: true },
  probe: { realm: 'probe', clientId: 'keyturn-probe', clientSecretRef: { file: '/probe-secret' }, ratePerSecond: 10, allowedNetworks: ['10.1.0.0/16'] },
  admin: { username: 'admin', passwordRef: { env: 'ADM' } },
  smoke: { user: { username: 'smoke-user', passwordRef: { file: '/smoke-pw' } }, checks: [{ name: 'ext', url: 'https://sso.acme.example/realms/acme/ext/health' }, { name: 'cmd', argv: ['/usr/local/bin/check', '--quick'] }] },
  blueGreen: { watchSeconds: 30, graceSeconds: 5 },
});

describe('draft <-> spec', () => {
  it('round-trips every field of a spec, so editing never drops anything', () => {
    expect(clusterSpecSchema.parse(draftToSpec(draftFromSpec(spec)))).toEqual(spec);
  });
  it("round-trips an HAProxy traffic switch with its map (blue/green's front)", () => {
    const front = clusterSpecSchema.parse({ ...spec, traffic: { kind: 'haproxy', name: 'sso.acme.example', runtimeApi: '/run/front.sock', backend: 'blue', map: '/etc/haproxy/hosts.map' } });
    expect(clusterSpecSchema.parse(draftToSpec(draftFromSpec(front)))).toEqual(front);
    const colours = clusterSpecSchema.parse({ ...spec, traffic: { ...front.traffic, backends: { blue: 'kc_blue', green: 'kc_green' }, resolver: { server: 'ns1.acme.example', port: 5353 } } });
    expect(clusterSpecSchema.parse(draftToSpec(draftFromSpec(colours)))).toEqual(colours);
  });
  it("places a front's backend pair that names one backend twice at green's field", () => {
    const d = draftFromSpec(clusterSpecSchema.parse({ ...spec, traffic: { kind: 'haproxy', name: 'sso.acme.example', runtimeApi: '/run/front.sock', backend: 'blue' } }));
    d.traffic.backendBlue = 'kc';
    d.traffic.backendGreen = 'kc';
    const r = clusterSpecSchema.safeParse(draftToSpec(d));
    expect(r.success).toBe(false);
    const issue = r.error!.issues.find((i) => i.path.includes('backends'))!;
    expect(issue.message).toBe('blue and green must be two backends');
    expect(fieldIdForPath(issue.path as (string | number)[], d)).toBe('traffic-backends-green');
  });
  it('leaves empty optional fields out so the schema defaults apply', () => {
    const d = emptyDraft();
    const out = draftToSpec(d) as { nodes: Record<string, unknown>[]; loadBalancer?: unknown };
    expect(out.nodes[0]).not.toHaveProperty('port');
    expect(out).not.toHaveProperty('loadBalancer');
  });
  it('normalises features into the features option', () => {
    const d = emptyDraft();
    d.keycloak.features = ' a, ,b ';
    expect((draftToSpec(d).keycloak.options as Record<string, string>).features).toBe('a,b');
  });
});

describe('issue placement', () => {
  it('maps server paths (with the spec wrapper) to field ids', () => {
    const d = emptyDraft();
    expect(fieldIdForPath(['spec', 'nodes', 0, 'host'], d)).toBe('node-0-host');
    expect(fieldIdForPath(['spec', 'database', 'passwordRef', 'env'], d)).toBe('db-passwordRef');
    expect(fieldIdForPath(['name'], d)).toBe('name');
    expect(fieldIdForPath(['spec', 'keycloak', 'options', 'features'], d)).toBe('keycloak-features');
  });
  it('puts issues without a visible field in the banner list', () => {
    const d = emptyDraft();
    const placed = placeIssues([{ path: ['spec'], message: 'Unrecognized key: "x"' }, { path: ['spec', 'traffic', 'runtimeApi'], message: 'is required' }], d);
    expect(placed.unplaced).toHaveLength(2); // dns is selected, so the HAProxy field is not on screen
  });
  it('shows only "is required" for an empty field', () => {
    const d = emptyDraft();
    const placed = placeIssues(clientIssues(d), d);
    expect(placed.byField['node-0-host']).toEqual(['is required']);
  });
  it('addresses option rows by key, and key-less rows by index', () => {
    const d = emptyDraft();
    d.keycloak.options = [{ ...newOption(), key: 'db-password', value: 'x' }, { ...newOption(), key: '', value: 'y' }];
    const placed = placeIssues(clientIssues(d), d);
    expect(placed.byField['option-0']?.[0]).toMatch(/secret/);
    expect(placed.byField['option-1']?.[0]).toMatch(/name/);
  });
  it('reads details.issues defensively', () => {
    expect(issuesFromDetails({ issues: [{ path: ['spec', 'name'], message: 'm' }, { nope: 1 }] })).toEqual([{ path: ['spec', 'name'], message: 'm' }]);
    expect(issuesFromDetails(undefined)).toEqual([]);
  });
});
