import { describe, expect, it } from 'vitest';
import { applyEdits, metadataFingerprintText, nodeOptions, secretEnvName, startOptions, toKcArgs, optionDrift, parseKeycloakConf, nodeOwnedOptions } from './start-options.ts';

const node = { host: '127.0.10.1', httpPort: 8080, managementPort: 9000 };

describe('start options', () => {
  it('derives where a node listens from its spec, preferring address over host', () => {
    expect(nodeOptions(node)).toEqual({ 'http-host': '127.0.10.1', 'http-port': '8080', 'http-management-port': '9000' });
    expect(nodeOptions({ ...node, host: 'kc1.acme.example', address: '10.0.0.5' })['http-host']).toBe('10.0.0.5');
  });
  it('lets an explicit cluster option win over a derived one', () => {
    expect(startOptions({ options: { 'http-port': '8443', db: 'postgres' } }, node)).toMatchObject({ 'http-port': '8443', db: 'postgres', 'http-host': '127.0.10.1' });
  });
  it('turns options into sorted --key=value arguments, values kept verbatim', () => {
    expect(toKcArgs({ 'cache-stack': 'jdbc-ping', db: 'postgres', hostname: 'http://sso.lab.test:8080' })).toEqual(['--cache-stack=jdbc-ping', '--db=postgres', '--hostname=http://sso.lab.test:8080']);
  });
  it('names the environment variable Keycloak reads a secret option from', () => {
    expect(secretEnvName('db-password')).toBe('KC_DB_PASSWORD');
    expect(secretEnvName('https-key-store-password')).toBe('KC_HTTPS_KEY_STORE_PASSWORD');
  });
});

describe('applyEdits', () => {
  const base = { 'cache-stack': 'jdbc-ping', db: 'postgres', features: 'token-exchange' };
  it('unsets, then sets', () => {
    expect(applyEdits(base, { unset: ['db'], set: { 'cache-stack': 'tcp', 'log-level': 'info' } })).toEqual({ 'cache-stack': 'tcp', features: 'token-exchange', 'log-level': 'info' });
  });
  it('replaces the feature lists as kc.sh flags would, and [] removes them', () => {
    expect(applyEdits(base, { features: ['persistent-user-sessions', 'login:v1', 'login:v1'] }).features).toBe('persistent-user-sessions,login:v1');
    expect(applyEdits(base, { features: [] })).not.toHaveProperty('features');
    expect(applyEdits(base, { featuresDisabled: ['persistent-user-sessions'] })['features-disabled']).toBe('persistent-user-sessions');
  });
  it('leaves the input untouched and no edit means the same options', () => {
    const copy = { ...base };
    expect(applyEdits(base, {})).toEqual(base);
    applyEdits(base, { unset: ['db'] });
    expect(base).toEqual(copy);
  });
});

describe('metadataFingerprintText', () => {
  it('does not depend on key order and never contains secret values', () => {
    const a = metadataFingerprintText('26.7.0', { db: 'postgres', cache: 'ispn' }, ['db-password']);
    const b = metadataFingerprintText('26.7.0', { cache: 'ispn', db: 'postgres' }, ['db-password']);
    expect(a).toBe(b);
    expect(a).toContain('db-password');
    expect(metadataFingerprintText('26.7.3', { db: 'postgres', cache: 'ispn' }, ['db-password'])).not.toBe(a);
    expect(metadataFingerprintText('26.7.0', { db: 'postgres', cache: 'local' }, ['db-password'])).not.toBe(a);
  });
});

describe('optionDrift: the record must describe what the node runs', () => {
  const conf = parseKeycloakConf('# managed\ncache-stack=jdbc-ping\nhttp-host=127.0.10.1\n\ndb-url=jdbc:postgresql://db.example:5432/kc?a=b\nfeatures=login:v1,token-exchange\n');
  it('reads keycloak.conf lines, values with = inside kept whole', () => {
    expect(conf).toMatchObject({ 'cache-stack': 'jdbc-ping', 'db-url': 'jdbc:postgresql://db.example:5432/kc?a=b', features: 'login:v1,token-exchange' });
  });
  it('names an option edited in the record but not on the node, and one the node does not set', () => {
    expect(optionDrift({ 'cache-stack': 'tcp', features: 'login:v1,token-exchange', 'db-url': 'jdbc:postgresql://db.example:5432/kc?a=b', 'log-level': 'debug' }, conf)).toEqual([
      { key: 'cache-stack', recorded: 'tcp', running: 'jdbc-ping' },
      { key: 'log-level', recorded: 'debug', running: null },
    ]);
  });
  it('names an option the node sets that the record no longer has (removed by hand), after the record\'s own', () => {
    const recorded = { 'cache-stack': 'tcp', 'db-url': 'jdbc:postgresql://db.example:5432/kc?a=b' };
    expect(optionDrift(recorded, conf)).toEqual([
      { key: 'cache-stack', recorded: 'tcp', running: 'jdbc-ping' },
      { key: 'features', recorded: null, running: 'login:v1,token-exchange' },
    ]);
  });
  it('reports both directions together, each key once', () => {
    const drift = optionDrift({ 'cache-stack': 'jdbc-ping', 'db-url': 'jdbc:postgresql://db.example:5432/kc?a=b', 'log-level': 'debug' }, conf);
    expect(drift).toEqual([
      { key: 'log-level', recorded: 'debug', running: null },
      { key: 'features', recorded: null, running: 'login:v1,token-exchange' },
    ]);
  });
  it('is empty when the record matches; node-owned options and secret options on the node are not the record\'s to state', () => {
    const node = parseKeycloakConf([
      'cache-stack=jdbc-ping', 'features=login:v1', 'http-host=127.0.10.1', 'http-port=8080', 'http-management-port=9000', 'https-port=8443',
      'cache-embedded-network-bind-address=127.0.10.1', 'db-password=never-compared', '',
    ].join('\n'));
    expect(optionDrift({ 'cache-stack': 'jdbc-ping', features: 'login:v1' }, node, ['db-password'])).toEqual([]);
    // The secret's name is what exempts it: unnamed, a password set on the node is an option the record does not know.
    expect(optionDrift({ 'cache-stack': 'jdbc-ping', features: 'login:v1' }, node)).toEqual([{ key: 'db-password', recorded: null, running: 'never-compared' }]);
  });
  it('compares own keys only: a key named like an Object property is an ordinary option', () => {
    expect(optionDrift({ constructor: 'x' }, parseKeycloakConf('toString=y\n'))).toEqual([
      { key: 'constructor', recorded: 'x', running: null },
      { key: 'toString', recorded: null, running: 'y' },
    ]);
  });
  it('treats every node-derived listen option as the node\'s own', () => {
    expect(nodeOwnedOptions).toEqual(expect.arrayContaining(Object.keys(nodeOptions(node))));
  });
});
