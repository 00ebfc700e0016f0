import { describe, expect, it } from 'vitest';
import { openLedger } from '../ledger/open-ledger.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { createClusterService } from '../services/cluster-service.ts';
import { clusterHandlers } from './cluster-handlers.ts';
import { dispatch, type Handlers } from './dispatch.ts';

/** Only the cluster handlers matter here; the rest of the registry is exercised by the bridge and e2e tests. */
function setup() {
  const db = openLedger(':memory:');
  const services = { db, clusters: createClusterService(db) } as unknown as Parameters<typeof clusterHandlers>[0];
  const handlers = clusterHandlers(services) as unknown as Handlers;
  const count = () => (db.prepare('SELECT count(*) AS n FROM clusters').get() as { n: number }).n;
  return { db, handlers, count };
}

const ctx = { transport: 'test' as const };

describe('contract validation at the registry', () => {
  it('registers a valid spec and returns the envelope', async () => {
    const { handlers, count } = setup();
    const r = await dispatch(handlers, 'clusters:register', { spec: sampleSpec() }, ctx);
    expect(r.ok).toBe(true);
    expect(count()).toBe(1);
  });

  const bad: [string, unknown, RegExp][] = [
    ['wrong types', { spec: { ...sampleSpec(), nodes: 'n1,n2' } }, /nodes/],
    ['a port out of range', { spec: { ...sampleSpec(), nodes: [{ name: 'n1', host: 'kc1.acme.example', port: 70000, user: 'keycloak' }] } }, /1-65535/],
    ['unknown fields', { spec: { ...sampleSpec(), pasword: 'x' } }, /pasword|Unrecognized/i],
    ['an unknown top-level input field', { spec: sampleSpec(), extra: true }, /extra|Unrecognized/i],
    ['a 500 kB string in a 2000-character field', { spec: { ...sampleSpec(), description: 'x'.repeat(500 * 1024) } }, /at most 2000/],
    ["'../' in a path", { spec: { ...sampleSpec(), terraform: { dir: '../../etc' } } }, /\.\./],
    ['an inline secret option', { spec: sampleSpec({ keycloak: { version: '26.7.0', options: { 'db-password': 'hunter2' } } }) }, /secret/],
    ['a duplicate node name', { spec: sampleSpec({ nodes: [{ name: 'n1', host: 'a.example', user: 'k' }, { name: 'n1', host: 'b.example', user: 'k' }] }) }, /used twice/],
    ['no input at all', undefined, /expected object/],
    ['a number instead of an object', 42, /object/i],
  ];
  for (const [what, input, message] of bad) {
    it(`refuses ${what} with invalid-input and writes nothing`, async () => {
      const { handlers, count } = setup();
      const r = await dispatch(handlers, 'clusters:register', input, ctx);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe('invalid-input');
      expect(r.error.hint).toMatch(/Nothing was saved/);
      const issues = (r.error.details as { issues: { path: unknown[]; message: string }[] }).issues;
      expect(issues.length).toBeGreaterThan(0);
      expect(issues.map((i) => `${i.path.join('.')} ${i.message}`).join('\n')).toMatch(message);
      expect(JSON.stringify(r).length).toBeLessThan(100_000);
      expect(count()).toBe(0);
    });
  }

  it('answers an unknown channel with a typed error', async () => {
    const { handlers } = setup();
    const r = await dispatch(handlers, 'clusters:dropAll', {}, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    const r2 = await dispatch(handlers, { toString: () => 'x' }, {}, ctx);
    expect(r2).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  });

  it('turns a service failure into a typed error, not a crash', async () => {
    const { handlers } = setup();
    await dispatch(handlers, 'clusters:register', { spec: sampleSpec() }, ctx);
    const dup = await dispatch(handlers, 'clusters:register', { spec: sampleSpec() }, ctx);
    expect(dup).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const missing = await dispatch(handlers, 'clusters:get', { name: 'nope' }, ctx);
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
