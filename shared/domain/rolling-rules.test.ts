import { describe, expect, it } from 'vitest';
import { diffOptions, explicitFeatures, incompatibleChanges, recreateOptions } from './rolling-rules.ts';

const lab = { cache: 'ispn', 'cache-stack': 'jdbc-ping', db: 'postgres', 'db-url-host': '127.0.10.50', 'db-url-port': '5432', 'db-url-database': 'keycloak', 'health-enabled': 'true' };

describe('diffOptions', () => {
  it('lists added, removed and changed options, sorted', () => {
    expect(diffOptions({ a: '1', b: '2', c: '3' }, { a: '1', b: '9', d: '4' })).toEqual([
      { key: 'b', from: '2', to: '9' },
      { key: 'c', from: '3', to: null },
      { key: 'd', from: null, to: '4' },
    ]);
  });
});

describe('incompatibleChanges: options', () => {
  it('finds nothing for identical options or options Keycloak lets roll', () => {
    expect(incompatibleChanges(lab, { ...lab })).toEqual([]);
    expect(incompatibleChanges(lab, { ...lab, 'log-level': 'debug', 'health-enabled': 'false' })).toEqual([]);
  });

  it.each(Object.keys(recreateOptions))('names %s as forcing a recreate', (key) => {
    const reasons = incompatibleChanges(lab, { ...lab, [key]: 'changed-value' });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ kind: 'option', subject: key, to: 'changed-value', forcesRecreate: true });
    expect(reasons[0]!.message).toMatch(new RegExp(`'${key}'.*needs a recreate`));
  });

  it('names cache-stack with both values when it changes from jdbc-ping to tcp', () => {
    expect(incompatibleChanges(lab, { ...lab, 'cache-stack': 'tcp' })).toEqual([
      expect.objectContaining({ subject: 'cache-stack', from: 'jdbc-ping', to: 'tcp', forcesRecreate: true }),
    ]);
  });

  it('treats adding or removing a listed option as a change', () => {
    expect(incompatibleChanges(lab, { ...lab, 'cache-remote-host': 'ispn.example' })[0]).toMatchObject({ subject: 'cache-remote-host', from: null, forcesRecreate: true });
    const { db: _db, ...withoutDb } = lab;
    expect(incompatibleChanges(lab, withoutDb)[0]).toMatchObject({ subject: 'db', to: null, forcesRecreate: true });
  });

  it('warns about db-url without forcing a recreate', () => {
    const r = incompatibleChanges({ 'db-url': 'jdbc:postgresql://a/kc' }, { 'db-url': 'jdbc:postgresql://a/kc?ssl=true' });
    expect(r).toEqual([expect.objectContaining({ subject: 'db-url', forcesRecreate: false })]);
  });
});

describe('incompatibleChanges: features', () => {
  it('reads explicit features with versions and disabled ones', () => {
    expect([...explicitFeatures({ features: 'login:v1, token-exchange', 'features-disabled': 'persistent-user-sessions' })]).toEqual([
      ['login', { enabled: true, version: 1 }],
      ['token-exchange', { enabled: true, version: null }],
      ['persistent-user-sessions', { enabled: false, version: null }],
    ]);
  });

  it('names enabling persistent-user-sessions (default on) after it was disabled', () => {
    const r = incompatibleChanges({ ...lab, 'features-disabled': 'persistent-user-sessions' }, lab);
    expect(r).toEqual([expect.objectContaining({ kind: 'feature', subject: 'persistent-user-sessions', from: 'disabled', to: 'enabled', forcesRecreate: true })]);
    expect(r[0]!.message).toMatch(/^Enabling feature 'persistent-user-sessions' needs a recreate/);
  });

  it('names disabling persistent-user-sessions', () => {
    const r = incompatibleChanges(lab, { ...lab, 'features-disabled': 'persistent-user-sessions' });
    expect(r[0]).toMatchObject({ subject: 'persistent-user-sessions', from: 'enabled', to: 'disabled' });
    expect(r[0]!.message).toMatch(/^Disabling/);
  });

  it('does not flag a feature named explicitly in its default state', () => {
    expect(incompatibleChanges(lab, { ...lab, features: 'persistent-user-sessions' })).toEqual([]);
    expect(incompatibleChanges(lab, { ...lab, features: 'login:v2' })).toEqual([]);
    expect(incompatibleChanges(lab, { ...lab, 'features-disabled': 'multi-site' })).toEqual([]);
  });

  it('names enabling multi-site and a login theme version change', () => {
    expect(incompatibleChanges(lab, { ...lab, features: 'multi-site' })[0]).toMatchObject({ subject: 'multi-site', forcesRecreate: true });
    const login = incompatibleChanges(lab, { ...lab, features: 'login:v1' });
    expect(login[0]).toMatchObject({ subject: 'login', from: 'enabled (v2)', to: 'enabled (v1)' });
    expect(login[0]!.message).toMatch(/version of feature 'login'/);
  });

  it('ignores features that roll', () => {
    expect(incompatibleChanges(lab, { ...lab, features: 'token-exchange,dpop' })).toEqual([]);
  });

  it('names an option and a feature together', () => {
    const r = incompatibleChanges(lab, { ...lab, 'cache-stack': 'tcp', features: 'multi-site' });
    expect(r.map((x) => x.subject)).toEqual(['cache-stack', 'multi-site']);
  });
});
