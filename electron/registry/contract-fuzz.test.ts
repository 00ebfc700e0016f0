/**
 * Contract fuzz: for every channel of the contract, many malformed payloads
 * (wrong types, unknown and prototype-polluting keys, random junk, oversized
 * and deeply nested values, cycles, values only structured clone can carry)
 * each come back from `dispatch` as a typed `invalid-input` envelope: never a
 * throw, never a handler call. Then the field limits of issue 10 (counts and
 * lengths of records and arrays, paths starting with '-', credentials inside
 * option URLs) on the calls that carry them.
 *
 * The handlers here only record that they were reached: a payload that got
 * past validation is the failure being looked for, so no service may run.
 */
import { describe, expect, it } from 'vitest';
import { channels, maxCallPayloadBytes, type Channel } from '../../shared/contract/index.ts';
import { errorCodes } from '../../shared/errors.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { dispatch, type Handlers } from './dispatch.ts';

const reached: string[] = [];
const handlers = new Proxy({} as Handlers, {
  get: (_t, channel: string) => () => {
    reached.push(channel);
    return { reached: channel };
  },
});
const ctx = { transport: 'test' as const };

/** mulberry32: the same payloads on every run, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function junk(rand: () => number, depth: number): unknown {
  const pick = Math.floor(rand() * (depth > 3 ? 6 : 9));
  switch (pick) {
    case 0: return Math.floor(rand() * 2 ** 40) * (rand() < 0.5 ? -1 : 1);
    case 1: return rand() < 0.5 ? NaN : rand() < 0.5 ? Infinity : -0;
    case 2: return 'x'.repeat(Math.floor(rand() * 300)) + String.fromCharCode(Math.floor(rand() * 0xffff));
    case 3: return rand() < 0.5;
    case 4: return '../'.repeat(Math.floor(rand() * 10)) + '\0-';
    case 5: return BigInt(Math.floor(rand() * 1000));
    case 6: return Array.from({ length: Math.floor(rand() * 5) }, () => junk(rand, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const n = 1 + Math.floor(rand() * 4);
      // keys no schema declares, so every strict object refuses them
      for (let i = 0; i < n; i++) o[`zz${Math.floor(rand() * 1e6)}`] = junk(rand, depth + 1);
      return o;
    }
  }
}

function nested(levels: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

function malformed(): [string, unknown][] {
  const cyclic: Record<string, unknown> = { name: 'acme-prod' };
  cyclic.self = cyclic;
  const rand = prng(20261201);
  const cases: [string, unknown][] = [
    ['a number', 42],
    ['NaN', NaN],
    ['a string', 'clusters:list'],
    ['true', true],
    ['an empty array', []],
    ['an array of objects', [{}, {}]],
    ['a BigInt', 10n],
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
    ['a Date', new Date(0)],
    ['a Map', new Map([['name', 'acme-prod']])],
    ['a Set', new Set([1])],
    ['a typed array', new Uint8Array(16)],
    ['an unknown key', { zzUnknown: 1 }],
    ['__proto__ as an own key', JSON.parse('{"__proto__": {"polluted": true}}')],
    ['constructor as a key', { constructor: { prototype: { polluted: true } } }],
    ['a payload over 1 MiB', { zz: 'x'.repeat(maxCallPayloadBytes + 10) }],
    ['a wide object over 1 MiB', Object.fromEntries(Array.from({ length: 120_000 }, (_, i) => [`k${i}`, i]))],
    ['a sparse array of a billion', new Array(1_000_000_000)],
    ['a binary buffer over 1 MiB', new Uint8Array(maxCallPayloadBytes + 1)],
    ['100 levels of nesting', nested(100)],
    ['10 000 levels of nesting', nested(10_000)],
    ['a cycle', cyclic],
  ];
  for (let i = 0; i < 40; i++) {
    const j = junk(rand, 0);
    // null and undefined mean "no input", which calls without arguments accept
    if (j !== null && j !== undefined) cases.push([`junk #${i}`, typeof j === 'object' && !Array.isArray(j) ? { ...(j as object), zzAlways: 1 } : j]);
  }
  return cases;
}

describe('contract fuzz: every channel answers malformed input with a typed error', () => {
  const cases = malformed();
  for (const channel of channels) {
    it(`${channel}: ${cases.length} malformed payloads`, async () => {
      reached.length = 0;
      for (const [what, payload] of cases) {
        let r;
        try {
          r = await dispatch(handlers, channel, payload, ctx);
        } catch (err) {
          throw new Error(`${channel} threw on ${what}: ${String(err)}`, { cause: err });
        }
        expect(r.ok, `${channel} accepted ${what}`).toBe(false);
        if (r.ok) continue;
        expect(errorCodes, what).toContain(r.error.code);
        expect(r.error.code, what).toBe('invalid-input');
        expect(r.error.message.length, what).toBeLessThan(2000);
        expect(r.error.hint, what).toMatch(/Nothing was saved/);
        expect(JSON.stringify(r).length, what).toBeLessThan(100_000);
      }
      expect(reached).toEqual([]);
    });
  }

  it('a payload just under 1 MiB still reaches the schema (and its field limits answer)', async () => {
    const r = await dispatch(handlers, 'clusters:register', { spec: { ...sampleSpec(), description: 'x'.repeat(maxCallPayloadBytes - 4096) } }, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-input', message: /description: must be at most 2000/ } });
  });

  it('an unknown channel of any type is a typed error', async () => {
    for (const c of [undefined, null, 42, {}, 'x'.repeat(10_000), 'clusters:list\0', Symbol('c')]) {
      expect(await dispatch(handlers, c, {}, ctx)).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    }
  });
});

const spec = sampleSpec;
const withSpec = (s: unknown) => ({ spec: s });
const many = (n: number, f: (i: number) => [string, unknown]) => Object.fromEntries(Array.from({ length: n }, (_, i) => f(i)));
const probe = (allowedNetworks: string[]) => ({ realm: 'lab', clientId: 'probe', clientSecretRef: { env: 'PROBE_SECRET' }, allowedNetworks });
const ansible = (over: Record<string, string>) => ({ inventory: 'inventory.ini', playbook: 'site.yml', ...over });
const keycloak = (over: Record<string, unknown>) => ({ version: '26.7.0', options: { db: 'postgres' }, ...over });

const limits: [string, Channel, unknown, RegExp][] = [
  ['51 secret options', 'clusters:register', withSpec(spec({ keycloak: keycloak({ secretOptions: many(51, (i) => [`opt-${i}`, { env: `V${i}` }]) }) })), /at most 50 secret options/],
  ['17 allowed networks', 'clusters:register', withSpec(spec({ probe: probe(Array.from({ length: 17 }, (_, i) => `10.${i}.0.0/16`)) })), /at most 16 networks/],
  ['a 65-character allowed network', 'clusters:register', withSpec(spec({ probe: probe([`${'1'.repeat(61)}.0/8`]) })), /at most 64/],
  ['a 65-character version', 'clusters:register', withSpec(spec({ keycloak: keycloak({ version: `26.7.0-${'a'.repeat(58)}` }) })), /at most 64/],
  ['a 65-character target version', 'plan:start', { cluster: 'acme-prod', to: `26.7.0-${'a'.repeat(58)}` }, /at most 64/],
  ['201 options in plan.set', 'plan:start', { cluster: 'acme-prod', to: '26.7.3', set: many(201, (i) => [`opt-${i}`, 'v']) }, /at most 200 options/],
  ['a 4097-character value in plan.set', 'plan:start', { cluster: 'acme-prod', to: '26.7.3', set: { 'cache-stack': 'x'.repeat(4097) } }, /at most 4096/],
  ['a URL password in plan.set', 'plan:compute', { cluster: 'acme-prod', to: '26.7.3', set: { 'db-url': 'jdbc:postgresql://u:p@db.example/kc' } }, /password inside its URL/],
  ['a URL password in an inline option', 'clusters:register', withSpec(spec({ keycloak: keycloak({ options: { 'db-url': 'jdbc:postgresql://keycloak:hunter2@db.example:5432/keycloak' } }) })), /db-url.*password inside its URL/],
  ['201 inline options', 'clusters:register', withSpec(spec({ keycloak: keycloak({ options: many(201, (i) => [`opt-${i}`, 'v']) }) })), /at most 200 options/],
  ["a playbook starting with '-'", 'clusters:register', withSpec(spec({ ansible: ansible({ playbook: '--extra-vars=@/etc/shadow' }) })), /playbook: must not start with '-'/],
  ["an inventory starting with '-'", 'clusters:register', withSpec(spec({ ansible: ansible({ inventory: '-i/tmp/evil' }) })), /inventory: must not start with '-'/],
  ["a stop playbook starting with '-'", 'clusters:update', { name: 'acme-prod', spec: spec({ ansible: ansible({ stopPlaybook: '-stop.yml' }) }) }, /stopPlaybook: must not start with '-'/],
  ["a terraform dir starting with '-'", 'clusters:register', withSpec(spec({ terraform: { dir: '-chdir=/' } })), /dir: must not start with '-'/],
  ["a terraform var file starting with '-'", 'clusters:register', withSpec(spec({ terraform: { dir: 'tf', varFile: '-var=x' } })), /varFile: must not start with '-'/],
  ["a key path starting with '-'", 'clusters:register', withSpec(spec({ nodes: [{ name: 'n1', host: 'kc1.acme.example', user: 'keycloak', keyPath: '-oProxyCommand=sh' }] })), /keyPath: must not start with '-'/],
  ["a secret file starting with '-'", 'clusters:register', withSpec(spec({ database: { host: 'db.acme.example', name: 'keycloak', user: 'keycloak', passwordRef: { file: '-' } } })), /must not start with '-'/],
  ['a prune confirmation that is not the name', 'backups:prune', { cluster: 'acme-prod', name: 'keycloak_migrated_202612011310', confirm: 'keycloak_migrated_202612011311' }, /confirm: type the database name exactly to confirm/],
  ['an empty prune confirmation', 'backups:prune', { cluster: 'acme-prod', name: 'keycloak_migrated_202612011310', confirm: '' }, /confirm: type the database name exactly/],
  ['a prune of something that is no database name', 'backups:prune', { cluster: 'acme-prod', name: 'keycloak; DROP DATABASE keycloak', confirm: 'keycloak; DROP DATABASE keycloak' }, /name: must be a database name/],
  ['an unknown session policy', 'rollback:start', { cluster: 'acme-prod', confirm: true, sessionPolicy: 'keep' }, /sessionPolicy: .*drop-online.*keep-all.*drop-all/],
  ['a 64-character database name to prune', 'backups:prune', { cluster: 'acme-prod', name: 'k'.repeat(64), confirm: 'k'.repeat(64) }, /name: must be at most 63/],
];

describe('contract limits of issue 10 (counts, lengths, option-like paths, URL credentials)', () => {
  for (const [what, channel, input, message] of limits) {
    it(`${channel} refuses ${what} with a clear invalid-input`, async () => {
      reached.length = 0;
      const r = await dispatch(handlers, channel, input, ctx);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe('invalid-input');
      const issues = (r.error.details as { issues: { path: (string | number)[]; message: string }[] }).issues;
      expect(issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')).toMatch(message);
      expect(reached).toEqual([]);
    });
  }

  it('still accepts the same calls at their limits, and paths that merely contain a dash', async () => {
    const ok: [Channel, unknown][] = [
      ['clusters:register', withSpec(spec({ keycloak: keycloak({ secretOptions: many(50, (i) => [`opt-${i}`, { env: `V${i}` }]) }) }))],
      ['clusters:register', withSpec(spec({ probe: probe(Array.from({ length: 16 }, (_, i) => `10.${i}.0.0/16`)), ansible: ansible({ playbook: './-site.yml', inventory: 'inv/my-hosts.ini' }) }))],
      ['clusters:register', withSpec(spec({ keycloak: keycloak({ options: { 'db-url': 'jdbc:postgresql://db.example:5432/keycloak?ssl=true', hostname: 'https://sso.acme.example:8443/auth' } }) }))],
      ['plan:start', { cluster: 'acme-prod', to: '26.7.3', set: many(200, (i) => [`opt-${i}`, 'v']) }],
      ['backups:prune', { cluster: 'acme-prod', name: 'keycloak_migrated_202612011310', confirm: 'keycloak_migrated_202612011310' }],
      ['rollback:start', { cluster: 'acme-prod', confirm: true, sessionPolicy: 'drop-all' }],
    ];
    for (const [channel, input] of ok) {
      reached.length = 0;
      const r = await dispatch(handlers, channel, input, ctx);
      expect(r, JSON.stringify(r).slice(0, 500)).toMatchObject({ ok: true });
      expect(reached).toEqual([channel]);
    }
  });
});
