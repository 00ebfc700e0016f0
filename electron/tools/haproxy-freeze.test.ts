/**
 * The write freeze against a real HAProxy running the lab's own haproxy.cfg
 * (resources/lab/scripts/haproxy.sh via test-support/lab-haproxy.ts), in
 * front of two stand-in nodes on 127.0.37.1/2 that answer every request they
 * get with 200. What a client gets is read through the frontend: a refused
 * write is HAProxy's 503 with the message, anything that passes is the node's.
 */
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { freezeConfigLines, freezeMessage, freezePatterns, freezeRetryAfterSeconds } from '../../shared/domain/write-freeze.ts';
import { showServers } from './haproxy.ts';
import { freezeState, freezeWrites, thawWrites } from './haproxy-freeze.ts';
import { waitUntil } from './test-support/daemon.ts';
import { startLabHaproxy, startNodesOnOnePort, type LabHaproxy, type TestNode } from './test-support/lab-haproxy.ts';

let lb: LabHaproxy;
let api: string;
let aclFile: string;
let nodes: TestNode[] = [];
const patterns = freezePatterns.map((p) => p.pattern);

beforeAll(async () => {
  const started = await startNodesOnOnePort([{ name: 'n1', address: '127.0.37.1' }, { name: 'n2', address: '127.0.37.2' }],
    (node, _req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`node ${node.name}`));
  nodes = started.nodes;
  lb = await startLabHaproxy('127.0.37.100', nodes, started.port);
  api = lb.socketPath;
  aclFile = join(dirname(api), 'freeze.acl');
  await waitUntil('both servers UP', async () => (await showServers(api, 'keycloak')).every((s) => s.status === 'UP'), 20_000);
});

afterAll(async () => {
  await lb?.stop();
  await Promise.all(nodes.map((n) => n.stop()));
});

interface Answer { status: number; retryAfter: string | undefined; body: string }

function send(method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: lb.address, port: lb.port, method, path, agent: false, timeout: 10_000, headers: { host: 'sso.example', 'content-type': 'application/json', 'content-length': 2 } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end('{}');
  });
}

/** Requests that a freeze refuses, one per pattern family. */
const writes: [string, string][] = [
  ['POST', '/admin/realms/lab/users'],
  ['PUT', '/admin/realms/lab/users/0b7e/reset-password'],
  ['DELETE', '/admin/realms/lab/clients/1f2a'],
  ['POST', '/realms/lab/account/credentials'],
  ['POST', '/realms/lab/login-actions/registration?client_id=app'],
  ['POST', '/realms/lab/login-actions/reset-credentials?client_id=app'],
  ['POST', '/realms/lab/login-actions/required-action?execution=UPDATE_PASSWORD'],
  ['POST', '/realms/lab/login-actions/action-token?key=abc'],
];
/** Requests that always pass: reads, logins, tokens, refresh, userinfo, logout. */
const passes: [string, string][] = [
  ['GET', '/admin/realms/lab/users'],
  ['GET', '/realms/lab/account/'],
  ['POST', '/realms/lab/protocol/openid-connect/token'],
  ['POST', '/realms/lab/login-actions/authenticate?execution=x&client_id=app'],
  ['GET', '/realms/lab/protocol/openid-connect/userinfo'],
  ['POST', '/realms/lab/protocol/openid-connect/logout'],
  ['POST', '/realms/master/protocol/openid-connect/token'],
];

describe('write freeze on the lab HAProxy', () => {
  it('the lab config carries the freeze lines Keyturn documents, on an empty ACL file', async () => {
    for (const line of freezeConfigLines(aclFile)) expect(lb.config).toContain(`  ${line}\n`);
    expect(await freezeState(api, aclFile)).toEqual([]);
  });

  it('refuses exactly the writes that would be lost with 503 and the message while frozen, and lets everything through once thawed', async () => {
    for (const [m, p] of [...writes, ...passes]) expect((await send(m, p)).status, `${m} ${p} before the freeze`).toBe(200);

    const frozen = await freezeWrites(api, aclFile, patterns);
    expect(frozen).toEqual({ patterns, changed: true });
    for (const [m, p] of writes) {
      const a = await send(m, p);
      expect({ what: `${m} ${p}`, status: a.status, retryAfter: a.retryAfter, body: a.body }).toEqual({ what: `${m} ${p}`, status: 503, retryAfter: String(freezeRetryAfterSeconds), body: freezeMessage });
    }
    for (const [m, p] of passes) expect((await send(m, p)).body, `${m} ${p} while frozen`).toMatch(/^node n[12]$/);
    // idempotent: freezing again sends nothing
    expect(await freezeWrites(api, aclFile, patterns)).toEqual({ patterns, changed: false });

    expect(await thawWrites(api, aclFile)).toEqual({ patterns: [], changed: true });
    for (const [m, p] of writes) expect((await send(m, p)).status, `${m} ${p} after the thaw`).toBe(200);
    expect(await thawWrites(api, aclFile)).toEqual({ patterns: [], changed: false });
  });

  it('says what the config lacks when the ACL file is not loaded, and refuses a path HAProxy cannot be given', async () => {
    const missing = await freezeWrites(api, '/etc/haproxy/not-loaded.acl', patterns).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(KeyturnError);
    expect(missing).toMatchObject({ code: 'not-found', message: expect.stringContaining('has no ACL loaded from /etc/haproxy/not-loaded.acl'), hint: expect.stringContaining('docs/write-freeze.md') });
    const bad = await freezeState(api, 'freeze.acl; shutdown').catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'invalid-input' });
    expect(await freezeState(api, aclFile)).toEqual([]);
  });
});
