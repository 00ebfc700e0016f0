/**
 * The HAProxy adapter against a real haproxy (test-support/haproxy.ts) in
 * front of two tiny Node HTTP servers that answer with their own name, so we
 * can see where traffic really goes when a server is disabled or drained.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { disableServer, drainServer, enableServer, haproxyCommand, setServerHealthUp, showServers, waitForNoSessions, type HaproxyServer } from './haproxy.ts';
import { freePort, makeTempDir, waitUntil } from './test-support/daemon.ts';
import { runHaproxyConfig, startHaproxy, type TestHaproxy } from './test-support/haproxy.ts';
import { startHttpServer, type TestHttpServer } from './test-support/http-server.ts';

let nodes: TestHttpServer[] = [];
/** /slow requests each node is holding right now, counted by the node itself (HAProxy's session counter also counts idle reused connections). */
const slowInFlight: Record<string, number> = { n1: 0, n2: 0 };
let lb: TestHaproxy;
let api: string;
const backend = 'keycloak';

beforeAll(async () => {
  nodes = await Promise.all(
    ['n1', 'n2'].map((name, i) =>
      startHttpServer(`127.0.30.${3 + i}`, (req, res) => {
        // /slow holds the request open, standing in for a long login flow on a node being drained.
        const slow = req.url === '/slow';
        if (slow) slowInFlight[name]! += 1;
        setTimeout(() => {
          if (slow) slowInFlight[name]! -= 1;
          res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end(name);
        }, slow ? 1500 : 0);
      }),
    ),
  );
  lb = await startHaproxy(nodes.map((n, i) => ({ name: `n${i + 1}`, address: n.address, port: n.port })));
  api = lb.socketPath;
  // Plain UP: a server starts as "UP 1/3" and needs two more passed checks before one missed check cannot take it down.
  await waitForServers((s) => s.every((x) => x.operationalState === 'running' && x.status === 'UP'));
});

// Each test starts from both servers ready, even after one that failed half-way.
afterEach(async () => {
  for (const name of ['n1', 'n2']) await enableServer(api, backend, name);
  await waitForServers((s) => s.every((x) => x.adminState === 'ready' && x.operationalState === 'running'));
  await waitUntil('no /slow request in flight', async () => slowInFlight.n1 === 0 && slowInFlight.n2 === 0, 10_000);
});

afterAll(async () => {
  await lb?.stop();
  await Promise.all(nodes.map((n) => n.stop()));
});

async function waitForServers(ok: (servers: HaproxyServer[]) => boolean): Promise<HaproxyServer[]> {
  let last: HaproxyServer[] = [];
  await waitUntil('haproxy server states', async () => ok((last = await showServers(api, backend))), 10_000);
  return last;
}

/** Which node answered each of `n` requests through the frontend. */
async function hits(n: number): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < n; i++) answers.push(await (await fetch(lb.frontendUrl, { headers: { connection: 'close' } })).text());
  return answers;
}

describe('showServers', () => {
  it('lists the backend servers with address, port, states and sessions', async () => {
    const servers = await showServers(api, backend);
    expect(servers).toEqual(
      nodes.map((n, i) => ({
        name: `n${i + 1}`,
        address: n.address,
        port: n.port,
        operationalState: 'running',
        adminState: 'ready',
        status: 'UP',
        currentSessions: 0,
        queuedRequests: 0,
        checkStatus: 'L7OK',
        lastCheck: expect.stringMatching(/^L7OK 200\b/),
      })),
    );
  });

  it('works over a TCP runtime API too', async () => {
    expect((await showServers(lb.tcpApi, backend)).map((s) => s.name)).toEqual(['n1', 'n2']);
  });
});

describe('disable and enable', () => {
  it('sends all traffic to n2 while n1 is disabled, and to both again once enabled', async () => {
    expect(new Set(await hits(6))).toEqual(new Set(['n1', 'n2']));

    await disableServer(api, backend, 'n1');
    const disabled = await showServers(api, backend);
    expect(disabled.find((s) => s.name === 'n1')).toMatchObject({ adminState: 'maint', status: 'MAINT' });
    expect(disabled.find((s) => s.name === 'n2')).toMatchObject({ adminState: 'ready', status: 'UP' });
    expect(await hits(10)).toEqual(Array(10).fill('n2'));

    await disableServer(api, backend, 'n1'); // idempotent, as engine steps must be
    await enableServer(api, backend, 'n1');
    await waitForServers((s) => s.every((x) => x.adminState === 'ready' && x.operationalState === 'running'));
    expect(new Set(await hits(6))).toEqual(new Set(['n1', 'n2']));
  });
});

describe('drain and waitForNoSessions', () => {
  it('keeps serving the session a drained server holds, sends new ones elsewhere, and reports when it is empty', async () => {
    // Pin the slow request on n1: only n1 takes traffic while it starts.
    await disableServer(api, backend, 'n2');
    const slowStarted = Date.now();
    const slow = fetch(`${lb.frontendUrl}/slow`).then(async (r) => ({ status: r.status, body: await r.text(), at: Date.now() - slowStarted }));
    await waitUntil('the slow request reached n1', async () => slowInFlight.n1 === 1, 10_000);
    await waitForServers((s) => s.find((x) => x.name === 'n1')!.currentSessions >= 1);
    await enableServer(api, backend, 'n2');
    await drainServer(api, backend, 'n1');
    await waitForServers((s) => s.find((x) => x.name === 'n2')!.operationalState === 'running');

    const servers = await showServers(api, backend);
    const n1 = servers.find((s) => s.name === 'n1')!;
    // DRAIN, possibly with a failed check pending ("DRAIN 1/3": the test node answers its check slowly while it holds the slow request)
    expect(n1.adminState).toBe('drain');
    expect(n1.status).toMatch(/^DRAIN\b/);
    expect(n1.currentSessions).toBeGreaterThanOrEqual(1);
    expect(await hits(6)).toEqual(Array(6).fill('n2'));

    const early = await waitForNoSessions(api, backend, 'n1', { timeoutMs: 200, intervalMs: 50 }).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(KeyturnError);
    expect(early).toMatchObject({ code: 'timeout', message: expect.stringMatching(/keycloak\/n1 still has \d+ session\(s\)/) });

    const polls: number[] = [];
    await waitForNoSessions(api, backend, 'n1', { timeoutMs: 5000, intervalMs: 50, onPoll: (n) => polls.push(n) });
    const emptiedAt = Date.now() - slowStarted;
    const done = await slow;
    expect(done).toEqual({ status: 200, body: 'n1', at: expect.any(Number) });
    expect(emptiedAt).toBeGreaterThanOrEqual(1400); // it really waited for the 1.5 s request
    expect(polls[0]).toBeGreaterThanOrEqual(1);
    expect(polls.at(-1)).toBe(0);

    await enableServer(api, backend, 'n1');
    await waitForServers((s) => s.every((x) => x.adminState === 'ready' && x.operationalState === 'running'));
  });

  it('stops waiting when the signal aborts', async () => {
    await disableServer(api, backend, 'n2');
    const slow = fetch(`${lb.frontendUrl}/slow`).then((r) => r.text());
    await waitUntil('the slow request reached n1', async () => slowInFlight.n1 === 1, 10_000);
    await waitForServers((s) => s.find((x) => x.name === 'n1')!.currentSessions >= 1);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    // The next poll would be 10 minutes away: only an abort that cuts the wait short lets this return inside the test's timeout.
    await expect(waitForNoSessions(api, backend, 'n1', { timeoutMs: 900_000, intervalMs: 600_000, signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
    expect(await slow).toBe('n1');
    await enableServer(api, backend, 'n2');
  });
});

describe('setServerHealthUp', () => {
  it("sets a checked server UP at once, long before its rise checks would; a tracking server is left to follow the one it tracks", async () => {
    // Checks a minute apart with rise 3: leaving maintenance, only the forced health makes the server UP within this test.
    const tmp = await makeTempDir('haproxy-health');
    const address = '127.0.30.9';
    const port = await freePort(address);
    const socketPath = `${tmp.dir}/admin.sock`;
    const config = [
      'global', `  stats socket ${socketPath} mode 600 level admin`, '',
      'defaults', '  mode http', '  timeout connect 2s', '  timeout client 10s', '  timeout server 10s', '',
      'frontend fe', `  bind ${address}:${port}`, '  default_backend kc', '',
      'backend kc', '  option httpchk GET /health',
      `  server s1 ${nodes[0]!.address}:${nodes[0]!.port} check inter 60s rise 3 fall 2`,
      `  server s2 ${nodes[1]!.address}:${nodes[1]!.port} track kc/s1`, '',
    ].join('\n');
    const daemon = await runHaproxyConfig(tmp, config, { address, port, socketPath });
    try {
      await disableServer(socketPath, 'kc', 's1');
      await enableServer(socketPath, 'kc', 's1');
      expect((await showServers(socketPath, 'kc')).find((x) => x.name === 's1')?.status).not.toBe('UP');
      expect(await setServerHealthUp(socketPath, 'kc', 's1')).toBe(true);
      expect((await showServers(socketPath, 'kc')).map((x) => `${x.name} ${x.status}`)).toEqual(['s1 UP', 's2 UP']);
      expect(await (await fetch(`http://${address}:${port}/`, { headers: { connection: 'close' } })).text()).toMatch(/^n[12]$/);
      expect(await setServerHealthUp(socketPath, 'kc', 's2')).toBe(false);
      await expect(setServerHealthUp(socketPath, 'kc', 's9')).rejects.toMatchObject({ code: 'not-found' });
    } finally {
      await daemon.stop();
      await tmp.remove();
    }
  });
});

describe('errors', () => {
  it('names a missing server or backend as not-found', async () => {
    await expect(disableServer(api, backend, 'n9')).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining("no server 'n9'") });
    await expect(showServers(api, 'nope')).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining("no backend 'nope'") });
    await expect(enableServer(api, 'nope', 'n1')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('refuses names that could smuggle a second command, before sending anything', async () => {
    await expect(disableServer(api, backend, 'n1; shutdown frontend fe')).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(haproxyCommand(api, 'show info; shutdown frontend fe')).rejects.toMatchObject({ code: 'invalid-input' });
    expect(await hits(2)).toHaveLength(2); // the frontend is still there
  });

  it('passes raw commands through and returns the answer verbatim', async () => {
    expect(await haproxyCommand(api, 'show info')).toMatch(/^Name: HAProxy$/m);
    expect(await haproxyCommand(lb.tcpApi, 'bogus command')).toMatch(/^Unknown command/);
  });

  it('reports tool-failed when no HAProxy listens on the API address', async () => {
    const tmp = await makeTempDir('haproxy-missing');
    try {
      const err = await showServers(`${tmp.dir}/admin.sock`, backend).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'tool-failed', message: expect.stringContaining('ENOENT') });
      expect((err as KeyturnError).hint).toMatch(/stats socket/);
    } finally {
      await tmp.remove();
    }
    await expect(haproxyCommand('not an address', 'show info')).rejects.toMatchObject({ code: 'invalid-input' });
  });
});
