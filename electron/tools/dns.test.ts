/**
 * The dns adapter against a real BIND 9 (test-support/named.ts) on
 * 127.0.30.5: updates signed with the right key land and resolve, a wrong key
 * is refused with an error naming the zone and key, deletes give NXDOMAIN.
 */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { deleteRecord, resolve, updateRecord, type DnsRecordTarget } from './dns.ts';
import { freePort } from './test-support/daemon.ts';
import { startNamed, type TestNamed } from './test-support/named.ts';

let named: TestNamed;

beforeAll(async () => {
  named = await startNamed('127.0.30.5');
});

afterAll(async () => {
  await named?.stop();
});

function at(name: string, extra: Partial<DnsRecordTarget> = {}) {
  return { server: named.server, port: named.port, zone: named.zone, name, tsigKeyFile: named.key.file, timeoutMs: 5000, ...extra };
}

const lookup = (name: string, type: 'A' | 'CNAME' = 'A') => resolve({ server: named.server, port: named.port, name, type, timeoutMs: 2000 });

async function keyturnError(promise: Promise<unknown>): Promise<KeyturnError> {
  const err = await promise.then(
    () => new Error('expected a KeyturnError, got success'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KeyturnError);
  return err as KeyturnError;
}

describe('updateRecord / resolve / deleteRecord', () => {
  it('sets an A record that the server then answers, with its TTL', async () => {
    await updateRecord({ ...at('sso.lab.test'), type: 'A', value: '127.0.30.9', ttl: 1 });
    expect(await lookup('sso.lab.test')).toEqual({ status: 'ok', values: ['127.0.30.9'], ttl: 1 });
  });

  it('replaces the A record instead of adding a second one (the blue/green switch)', async () => {
    await updateRecord({ ...at('switch.lab.test'), type: 'A', value: '127.0.30.10', ttl: 1 });
    await updateRecord({ ...at('switch.lab.test'), type: 'A', value: '127.0.30.20', ttl: 1 });
    expect((await lookup('switch.lab.test')).values).toEqual(['127.0.30.20']);
  });

  it('switches a name between CNAME and A', async () => {
    await updateRecord({ ...at('www.lab.test'), type: 'CNAME', value: 'sso.lab.test', ttl: 1 });
    expect(await lookup('www.lab.test', 'CNAME')).toEqual({ status: 'ok', values: ['sso.lab.test'], ttl: null });
    await updateRecord({ ...at('www.lab.test'), type: 'A', value: '127.0.30.11', ttl: 1 });
    expect((await lookup('www.lab.test')).values).toEqual(['127.0.30.11']);
    expect((await lookup('www.lab.test', 'CNAME')).status).toBe('nodata');
  });

  it('accepts an inline TSIG key without putting the secret on the command line', async () => {
    const { name, algorithm, secret } = named.key;
    await updateRecord({ ...at('inline.lab.test', { tsigKeyFile: undefined }), tsig: { name, algorithm: algorithm as 'hmac-sha256', secret }, type: 'A', value: '127.0.30.12', ttl: 1 });
    expect((await lookup('inline.lab.test')).values).toEqual(['127.0.30.12']);
  });

  it('deletes a record so the name is NXDOMAIN, and deleting again is fine', async () => {
    await updateRecord({ ...at('gone.lab.test'), type: 'A', value: '127.0.30.13', ttl: 1 });
    await deleteRecord({ ...at('gone.lab.test'), type: 'A' });
    expect(await lookup('gone.lab.test')).toEqual({ status: 'nxdomain', values: [], ttl: null });
    await deleteRecord({ ...at('gone.lab.test'), type: 'A' });
  });
});

describe('refusals', () => {
  it('names the zone and key when the key secret is wrong (NOTAUTH/BADSIG), and changes nothing', async () => {
    await updateRecord({ ...at('sso.lab.test'), type: 'A', value: '127.0.30.9', ttl: 1 });
    const err = await keyturnError(updateRecord({ ...at('sso.lab.test', { tsigKeyFile: named.wrongSecretKey.file }), type: 'A', value: '127.0.30.66', ttl: 1 }));
    expect(err.code).toBe('tool-failed');
    expect(err.message).toContain('zone lab.test');
    expect(err.message).toContain(named.wrongSecretKey.file);
    expect(err.message).toContain('NOTAUTH/BADSIG');
    expect(err.hint).toMatch(/secret .* does not match/);
    expect((await lookup('sso.lab.test')).values).toEqual(['127.0.30.9']);
  });

  it('says REFUSED with the zone when no key is sent', async () => {
    const err = await keyturnError(updateRecord({ ...at('sso.lab.test', { tsigKeyFile: undefined }), type: 'A', value: '127.0.30.66', ttl: 1 }));
    expect(err.message).toMatch(/refused .* in zone lab.test with no TSIG key \(REFUSED\)/);
    expect(err.hint).toMatch(/allow-update/);
  });

  it('says NOTAUTH when the server is not authoritative for the zone', async () => {
    const err = await keyturnError(updateRecord({ ...at('sso.other.test', { zone: 'other.test' }), type: 'A', value: '127.0.30.66', ttl: 1 }));
    expect(err.message).toContain('not authoritative for zone other.test');
  });

  it('reports an unreachable server', async () => {
    const port = await freePort('127.0.30.5');
    const err = await keyturnError(updateRecord({ ...at('sso.lab.test', { port }), type: 'A', value: '127.0.30.66', ttl: 1 }));
    expect(err.code).toBe('tool-failed');
    expect(err.message).toContain(`Cannot reach DNS server 127.0.30.5:${port}`);
    expect(err.message).toContain('connection refused');
  });

  it('validates every value before building the update script', async () => {
    const bad: Array<[string, Promise<unknown>]> = [
      ['injected name', updateRecord({ ...at('x.lab.test\nupdate delete lab.test.'), type: 'A', value: '127.0.30.1', ttl: 1 })],
      ['outside zone', updateRecord({ ...at('sso.example.com'), type: 'A', value: '127.0.30.1', ttl: 1 })],
      ['bad A value', updateRecord({ ...at('x.lab.test'), type: 'A', value: '127.0.30.1 ; send', ttl: 1 })],
      ['bad CNAME target', updateRecord({ ...at('x.lab.test'), type: 'CNAME', value: 'a b', ttl: 1 })],
      ['CNAME at apex', updateRecord({ ...at('lab.test'), type: 'CNAME', value: 'sso.lab.test', ttl: 1 })],
      ['bad ttl', updateRecord({ ...at('x.lab.test'), type: 'A', value: '127.0.30.1', ttl: 1.5 })],
      ['server name', updateRecord({ ...at('x.lab.test', { server: 'ns.lab.test' }), type: 'A', value: '127.0.30.1', ttl: 1 })],
      ['bad secret', updateRecord({ ...at('x.lab.test', { tsigKeyFile: undefined }), tsig: { name: 'k', algorithm: 'hmac-sha256', secret: 'x"; };' }, type: 'A', value: '127.0.30.1', ttl: 1 })],
    ];
    for (const [label, promise] of bad) {
      const err = await keyturnError(promise);
      expect(err.code, label).toBe('invalid-input');
    }
  });
});

describe('resolve', () => {
  it('reports nodata for a name that exists without that type', async () => {
    expect(await lookup('ns.lab.test', 'CNAME')).toEqual({ status: 'nodata', values: [], ttl: null });
  });

  it('times out against a server that never answers, and honours abort', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.30.5', r));
    try {
      // The server never answers: only the 300 ms deadline can end this call.
      const err = await keyturnError(resolve({ server: '127.0.30.5', port: silent.address().port, name: 'sso.lab.test', type: 'A', timeoutMs: 300 }));
      expect(err.code).toBe('timeout');
      expect(err.message).toContain('did not answer for sso.lab.test');
    } finally {
      silent.close();
    }
    await expect(resolve({ server: named.server, port: named.port, name: 'sso.lab.test', type: 'A', signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
  });

  it('reports tool-failed when the port is closed', async () => {
    const port = await freePort('127.0.30.5');
    const err = await keyturnError(resolve({ server: '127.0.30.5', port, name: 'sso.lab.test', type: 'A', timeoutMs: 1000 }));
    expect(err.code).toBe('tool-failed');
    expect(err.message).toContain(`127.0.30.5:${port}`);
  });
});
