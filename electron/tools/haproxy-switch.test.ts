/**
 * The blue/green switch against a real HAProxy routing by host name through a
 * map (`use_backend %[req.hdr(host),lower,map(<file>,blue)]`, as a front
 * HAProxy for two colours does), with two tiny Node HTTP servers answering
 * their colour. A client loop runs through the switch and counts failures.
 */
import { request, Agent } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyCommand } from './haproxy.ts';
import { lastRequestAge, listBackends, readMapEntry, switchMapEntry } from './haproxy-switch.ts';
import { freePort, makeTempDir, sleep, waitUntil, type Daemon } from './test-support/daemon.ts';
import { runHaproxyConfig } from './test-support/haproxy.ts';
import { startHttpServer, type TestHttpServer } from './test-support/http-server.ts';

const FRONT = '127.0.36.1';
const HOST = 'sso.example';
let tmp: { dir: string; remove(): Promise<void> };
let daemon: Daemon;
let api: string;
let mapFile: string;
let frontPort: number;
let colours: TestHttpServer[] = [];

beforeAll(async () => {
  colours = await Promise.all(
    (['blue', 'green'] as const).map((colour, i) =>
      startHttpServer(`127.0.36.${2 + i}`, (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(colour)),
    ),
  );
  tmp = await makeTempDir('haproxy-switch');
  api = join(tmp.dir, 'admin.sock');
  mapFile = join(tmp.dir, 'hosts.map');
  await writeFile(mapFile, `${HOST} blue\n`);
  frontPort = await freePort(FRONT);
  const config = [
    'global',
    `  stats socket ${api} mode 600 level admin`,
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 10s',
    '  timeout server 10s',
    '  timeout http-keep-alive 10s',
    'frontend fe',
    `  bind ${FRONT}:${frontPort}`,
    `  use_backend %[req.hdr(host),lower,map(${mapFile},blue)]`,
    'backend blue',
    `  server b1 ${colours[0]!.address}:${colours[0]!.port}`,
    'backend green',
    `  server g1 ${colours[1]!.address}:${colours[1]!.port}`,
    // Never receives traffic: what lastRequestAge says about a backend nobody reached yet.
    'backend spare',
    `  server s1 ${colours[1]!.address}:${colours[1]!.port}`,
    '',
  ].join('\n');
  daemon = await runHaproxyConfig(tmp, config, { address: FRONT, port: frontPort, socketPath: api });
});

afterAll(async () => {
  await daemon?.stop();
  await tmp?.remove();
  await Promise.all(colours.map((c) => c.stop()));
});

/** One request through the front with `host`; resolves with the colour, or with `error: ...` for anything but a 200 from a colour. */
function get(host: string, agent?: Agent): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: FRONT, port: frontPort, path: '/', headers: { host, ...(agent ? {} : { connection: 'close' }) }, agent: agent ?? false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 && (body === 'blue' || body === 'green') ? body : `error: ${res.statusCode} ${body}`));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (e) => resolve(`error: ${e.message}`));
    req.end();
  });
}

interface Answer {
  /** Whether the request started after the switch had returned. */
  afterSwitch: boolean;
  answer: string;
}

/** Sends requests back to back until `stop()`, recording each answer and whether it started after the switch. */
function clientLoop(host: string, agent?: Agent) {
  const answers: Answer[] = [];
  let running = true;
  let switched = false;
  const done = (async () => {
    while (running) {
      const afterSwitch = switched;
      answers.push({ afterSwitch, answer: await get(host, agent) });
    }
  })();
  return {
    answers,
    markSwitched: () => (switched = true),
    async stop() {
      running = false;
      await done;
    },
  };
}

describe('switchMapEntry', () => {
  it('moves every new request to green at once, with no failed request, on fresh and kept-alive connections', async () => {
    expect(await readMapEntry(api, mapFile, HOST)).toBe('blue');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const fresh = clientLoop(HOST);
    const kept = clientLoop(HOST, agent);
    await waitUntil('both loops reached blue', () => fresh.answers.length >= 20 && kept.answers.length >= 20, 20_000);

    const result = await switchMapEntry(api, { map: mapFile, host: HOST, backend: 'green' });
    fresh.markSwitched();
    kept.markSwitched();
    expect(result).toEqual({ map: mapFile, host: HOST, backend: 'green', previous: 'blue', changed: true });

    await waitUntil('both loops sent 20 requests after the switch', () => [fresh, kept].every((l) => l.answers.filter((a) => a.afterSwitch).length >= 20), 20_000);
    await Promise.all([fresh.stop(), kept.stop()]);
    agent.destroy();

    for (const loop of [fresh, kept]) {
      expect(loop.answers.filter((a) => a.answer.startsWith('error')), 'failed requests').toEqual([]);
      expect(loop.answers.filter((a) => !a.afterSwitch).some((a) => a.answer === 'blue')).toBe(true);
      // every request that started once the switch returned landed on green
      expect(new Set(loop.answers.filter((a) => a.afterSwitch).map((a) => a.answer))).toEqual(new Set(['green']));
    }
    expect(await readMapEntry(api, mapFile, HOST)).toBe('green');

    // idempotent: switching to where it already points sends nothing and says so
    expect(await switchMapEntry(api, { map: mapFile, host: HOST, backend: 'green' })).toMatchObject({ previous: 'green', changed: false });

    // and back (the rollback), with the same promise
    const back = clientLoop(HOST);
    await waitUntil('requests on green', () => back.answers.length >= 10, 20_000);
    expect(await switchMapEntry(api, { map: mapFile, host: HOST, backend: 'blue' })).toMatchObject({ previous: 'green', changed: true });
    back.markSwitched();
    await waitUntil('requests after the switch back', () => back.answers.filter((a) => a.afterSwitch).length >= 10, 20_000);
    await back.stop();
    expect(back.answers.filter((a) => a.answer.startsWith('error'))).toEqual([]);
    expect(new Set(back.answers.filter((a) => a.afterSwitch).map((a) => a.answer))).toEqual(new Set(['blue']));
  });

  it('adds the entry when the map has none for the host (traffic went to the default until then)', async () => {
    const other = 'admin.example';
    expect(await readMapEntry(api, mapFile, other)).toBeNull();
    expect(await get(other)).toBe('blue');
    expect(await switchMapEntry(api, { map: mapFile, host: other, backend: 'green' })).toEqual({ map: mapFile, host: other, backend: 'green', previous: null, changed: true });
    expect(await get(other)).toBe('green');
    expect(await get(HOST)).toBe('blue'); // the other host's entry is untouched
  });

  it('accepts the map by its #id as listed by show map', async () => {
    const id = /^(\d+) \(/m.exec(await haproxyCommand(api, 'show map'))?.[1];
    expect(id).toMatch(/^\d+$/);
    expect(await readMapEntry(api, `#${id}`, HOST)).toBe(await readMapEntry(api, mapFile, HOST));
  });
});

describe('refusals', () => {
  it('refuses names that would change the command, before sending anything', async () => {
    const before = await haproxyCommand(api, `show map ${mapFile}`);
    await expect(switchMapEntry(api, { map: mapFile, host: HOST, backend: 'green; shutdown frontend fe' })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('backend name') });
    await expect(switchMapEntry(api, { map: mapFile, host: `${HOST} green`, backend: 'green' })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('host name') });
    await expect(switchMapEntry(api, { map: mapFile, host: 'SSO.example', backend: 'green' })).rejects.toMatchObject({ code: 'invalid-input', hint: expect.stringContaining('lower case') });
    await expect(switchMapEntry(api, { map: `${mapFile} x`, host: HOST, backend: 'green' })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('map') });
    await expect(switchMapEntry(api, { map: 'hosts.map', host: HOST, backend: 'green' })).rejects.toMatchObject({ code: 'invalid-input' });
    expect(await haproxyCommand(api, `show map ${mapFile}`)).toBe(before);
    expect(await get(HOST)).toMatch(/^(blue|green)$/); // the frontend is still there
  });

  it('refuses a backend HAProxy does not have, leaving the map as it was', async () => {
    expect(await listBackends(api)).toEqual(['blue', 'green', 'spare']);
    const before = await readMapEntry(api, mapFile, HOST);
    const err = await switchMapEntry(api, { map: mapFile, host: HOST, backend: 'purple' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not-found', message: expect.stringContaining("no backend 'purple' (it has: blue, green, spare)") });
    expect(await readMapEntry(api, mapFile, HOST)).toBe(before);
  });

  it('names a map HAProxy has not loaded as not-found', async () => {
    await expect(switchMapEntry(api, { map: join(tmp.dir, 'other.map'), host: HOST, backend: 'green' })).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('has no map') });
  });
});

describe('lastRequestAge', () => {
  it("grows for blue once traffic moved to green, while green's sessions keep counting", async () => {
    await switchMapEntry(api, { map: mapFile, host: HOST, backend: 'blue' });
    for (let i = 0; i < 3; i++) expect(await get(HOST)).toBe('blue');
    const blueBefore = await lastRequestAge(api, 'blue');
    expect(blueBefore.totalSessions).toBeGreaterThanOrEqual(3);
    expect(blueBefore.secondsSinceLastSession).not.toBeNull();

    await switchMapEntry(api, { map: mapFile, host: HOST, backend: 'green' });
    const greenAtSwitch = await lastRequestAge(api, 'green');
    const ages: number[] = [];
    // HAProxy counts whole seconds: poll until blue's age has grown past what it was, while green keeps serving.
    await waitUntil('blue idle longer than before', async () => {
      expect(await get(HOST)).toBe('green');
      const blue = await lastRequestAge(api, 'blue');
      expect(blue.totalSessions).toBe(blueBefore.totalSessions); // nobody reached blue after the switch
      ages.push(blue.secondsSinceLastSession ?? -1);
      await sleep(200);
      return blue.secondsSinceLastSession! >= blueBefore.secondsSinceLastSession! + 2;
    }, 20_000);
    expect(ages.every((a, i) => i === 0 || a >= ages[i - 1]!)).toBe(true);
    const green = await lastRequestAge(api, 'green');
    expect(green.totalSessions).toBeGreaterThan(greenAtSwitch.totalSessions);
    expect(green.currentSessions).toBe(0);
  });

  it('says null for a backend that never had a session, and not-found for an unknown one', async () => {
    expect(await lastRequestAge(api, 'spare')).toEqual({ backend: 'spare', secondsSinceLastSession: null, totalSessions: 0, currentSessions: 0 });
    await expect(lastRequestAge(api, 'purple')).rejects.toMatchObject({ code: 'not-found' });
    await expect(lastRequestAge(api, 'blue,x')).rejects.toMatchObject({ code: 'invalid-input' });
  });
});
