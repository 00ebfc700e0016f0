/**
 * A real HAProxy for the haproxy adapter's tests: one HTTP frontend on
 * 127.0.30.2 and a backend `keycloak` with the given servers, health-checked
 * every 200 ms so state changes show up quickly. The runtime API is an admin
 * unix socket in the temp dir. Runs in the foreground (`-db`, no
 * master-worker) so the child we spawn is the one we stop.
 */
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, makeTempDir, spawnDaemon, waitForPort, waitUntil, type Daemon } from './daemon.ts';

export interface TestHaproxy {
  /** Path of the admin runtime API socket. */
  socketPath: string;
  /** The same API over TCP, as `host:port`. */
  tcpApi: string;
  frontendUrl: string;
  backend: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

export interface TestBackendServer {
  name: string;
  address: string;
  port: number;
}

/** Starts haproxy in front of `servers`; call `stop()` in afterAll. */
export async function startHaproxy(servers: readonly TestBackendServer[], frontendAddress = '127.0.30.2'): Promise<TestHaproxy> {
  const tmp = await makeTempDir('haproxy');
  const socketPath = join(tmp.dir, 'admin.sock');
  const port = await freePort(frontendAddress);
  const apiPort = await freePort(frontendAddress);
  const backend = 'keycloak';
  const config = [
    'global',
    `  stats socket ${socketPath} mode 600 level admin`,
    `  stats socket ipv4@${frontendAddress}:${apiPort} level admin`,
    '  log stderr format short local0 info',
    '',
    'defaults',
    '  mode http',
    '  log global',
    '  timeout connect 2s',
    '  timeout client 10s',
    '  timeout server 10s',
    // A check waits up to 5 s, and takes 3 misses to mark a server down: on a busy machine the test's own HTTP servers
    // answer late now and then, and a check that timed out after its 200 ms interval would take a healthy server out.
    '  timeout check 5s',
    '',
    'frontend fe',
    `  bind ${frontendAddress}:${port}`,
    `  default_backend ${backend}`,
    '',
    `backend ${backend}`,
    '  balance roundrobin',
    '  option httpchk GET /health',
    ...servers.map((s) => `  server ${s.name} ${s.address}:${s.port} check inter 200ms fall 3 rise 1`),
    '',
  ].join('\n');
  const daemon = await runHaproxyConfig(tmp, config, { address: frontendAddress, port, socketPath });
  return {
    socketPath,
    tcpApi: `${frontendAddress}:${apiPort}`,
    frontendUrl: `http://${frontendAddress}:${port}`,
    backend,
    daemon,
    async stop() {
      await daemon.stop();
      await tmp.remove();
    },
  };
}

/**
 * Writes `config` into `tmp` and runs haproxy on it in the foreground until
 * its frontend (`address:port`) and admin socket answer; on failure the
 * daemon is stopped and `tmp` removed. One place for every test that needs a
 * real HAProxy with a config of its own.
 */
export async function runHaproxyConfig(tmp: { dir: string; remove(): Promise<void> }, config: string, at: { address: string; port: number; socketPath: string }): Promise<Daemon> {
  const configPath = join(tmp.dir, 'haproxy.cfg');
  await writeFile(configPath, config);
  const daemon = spawnDaemon('haproxy', '/usr/sbin/haproxy', ['-f', configPath, '-db']);
  try {
    await waitForPort(at.address, at.port, daemon);
    await waitUntil('haproxy admin socket', () => stat(at.socketPath).then(() => true, () => false), 10_000, daemon);
  } catch (err) {
    await daemon.stop();
    await tmp.remove();
    throw err;
  }
  return daemon;
}
