/**
 * `npm run bench -- maintenance-end [--rounds 10]`: how long clients keep
 * getting the maintenance answer after a recreate's first node is ready,
 * when Keyturn ends the maintenance by setting that node UP in HAProxy at
 * once (`set server ... health up`, after asking /health/ready itself)
 * against waiting for HAProxy's own `rise` checks, side by side, rounds
 * alternating, on a real HAProxy:
 *  - the lab's haproxy.cfg, written by resources/lab/scripts/haproxy.sh
 *    (inter 1s fastinter 500ms downinter 500ms rise 2 fall 4);
 *  - HAProxy's default check timing (`check` alone: inter 2s rise 2 fall 3),
 *    what a customer's configuration has unless someone tuned it.
 * The node is a stand-in on 127.0.44.x that answers ready throughout: the
 * figure is the load balancer's part of the outage alone. Each round puts
 * the backend in maintenance, waits a moment, ends it, and times the first
 * 200 through the frontend (polled every 10 ms). No network beyond
 * loopback; needs /usr/sbin/haproxy. The exit code is non-zero only when
 * something failed to run.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { request } from 'node:http';
import { median } from '../shared/domain/median.ts';
import { endMaintenance, enterMaintenance } from '../electron/tools/haproxy-maintenance.ts';
import { freePort, makeTempDir } from '../electron/tools/test-support/daemon.ts';
import { runHaproxyConfig } from '../electron/tools/test-support/haproxy.ts';
import { startLabHaproxy, startNodesOnOnePort } from '../electron/tools/test-support/lab-haproxy.ts';
import { arg, msf, ratio, root } from './lib/lab-bench.ts';

const resultFile = join(root, 'test-results', 'bench-maintenance-end.json');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One GET through the frontend: its status, 0 on a connection error. */
function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { headers: { connection: 'close' }, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

interface Target {
  label: string;
  api: string;
  frontendUrl: string;
  stop(): Promise<void>;
}

/** From the call that ends the maintenance to the first 200 a client gets. */
async function oneRound(t: Target, forced: boolean): Promise<number> {
  await enterMaintenance(t.api, 'keycloak');
  // HAProxy stops checking a server in maintenance: let a few check intervals pass, as a node's stop and start would.
  await sleep(2500);
  const t0 = performance.now();
  await endMaintenance(t.api, 'keycloak', ['n1'], { timeoutMs: 60_000, intervalMs: 10, provenReady: forced ? ['n1'] : [] });
  while ((await status(t.frontendUrl)) !== 200) await sleep(10);
  return performance.now() - t0;
}

/** HAProxy's default check timing, with the lab's maintenance answer: a customer's configuration as most have it. */
async function defaultChecks(address: string, node: { address: string; port: number }): Promise<Target> {
  const tmp = await makeTempDir('bench-haproxy-defaults');
  const port = await freePort(address);
  const socketPath = join(tmp.dir, 'admin.sock');
  const config = [
    'global', `  stats socket ${socketPath} mode 600 level admin`, '',
    'defaults', '  mode http', '  timeout connect 2s', '  timeout client 10s', '  timeout server 10s', '',
    'frontend fe', `  bind ${address}:${port}`, '  default_backend keycloak', '',
    'backend keycloak', '  option httpchk GET /health/ready',
    '  http-error status 503 content-type text/plain string "Keycloak is being upgraded; retry shortly" hdr Retry-After 30',
    `  server n1 ${node.address}:${node.port} check`, '',
  ].join('\n');
  const daemon = await runHaproxyConfig(tmp, config, { address, port, socketPath });
  return { label: "HAProxy's default checks (inter 2s rise 2)", api: socketPath, frontendUrl: `http://${address}:${port}/`, stop: async () => { await daemon.stop(); await tmp.remove(); } };
}

export async function main(args: string[]): Promise<number> {
  const rounds = Number(arg(args, 'rounds', '10'));
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) {
    process.stderr.write(`maintenance-end: --rounds must be a whole number from 1 to 100 (got ${arg(args, 'rounds', '10')})\n`);
    return 2;
  }
  const reproduce = `npm run bench -- maintenance-end --rounds ${rounds}`;
  process.stdout.write(`maintenance-end: ${rounds} rounds per side and configuration, alternating; ${cpus().length} CPU(s), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const { nodes, port } = await startNodesOnOnePort([{ name: 'n1', address: '127.0.44.1' }], (_n, _req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('n1'));
  const targets: Target[] = [];
  try {
    const lab = await startLabHaproxy('127.0.44.100', [{ name: 'n1', address: '127.0.44.1' }], port);
    targets.push({ label: "the lab's checks (downinter 500ms rise 2)", api: lab.socketPath, frontendUrl: lab.frontendUrl, stop: () => lab.stop() });
    targets.push(await defaultChecks('127.0.44.101', { address: '127.0.44.1', port }));
    const results = [];
    for (const t of targets) {
      const waited: number[] = [];
      const forced: number[] = [];
      for (let i = 0; i < rounds; i++) {
        // alternate which side goes first, so a drift in the machine's load hits both alike
        if (i % 2 === 0) {
          waited.push(await oneRound(t, false));
          forced.push(await oneRound(t, true));
        } else {
          forced.push(await oneRound(t, true));
          waited.push(await oneRound(t, false));
        }
      }
      const row = { configuration: t.label, waitedMs: waited, forcedMs: forced, waitedMedianMs: median(waited), forcedMedianMs: median(forced), forcedOverWaited: ratio(median(forced), median(waited)) };
      results.push(row);
      process.stdout.write(`\n${t.label}\n  waiting for HAProxy's rise checks: median ${msf(row.waitedMedianMs)} (${msf(Math.min(...waited))} .. ${msf(Math.max(...waited))})\n  set UP at once after its own ready:  median ${msf(row.forcedMedianMs)} (${msf(Math.min(...forced))} .. ${msf(Math.max(...forced))})\n  ratio set-UP / waiting: ${row.forcedOverWaited?.toFixed(3) ?? '-'}\n`);
    }
    await mkdir(dirname(resultFile), { recursive: true });
    await writeFile(resultFile, `${JSON.stringify({ bench: 'maintenance-end', rounds, cpus: cpus().length, reproduce, definition: 'from the call that ends the maintenance to the first HTTP 200 through the frontend (polled every 10 ms), the node answering ready throughout', results }, null, 2)}\n`);
    process.stdout.write(`\nfigures: ${resultFile}\nreproduce: ${reproduce}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`maintenance-end: ${(err as Error).message}\nreproduce: ${reproduce}\n`);
    return 1;
  } finally {
    for (const t of targets) await t.stop().catch(() => undefined);
    await Promise.all(nodes.map((n) => n.stop()));
  }
}
