/**
 * A private HAProxy on exactly the lab's configuration: `haproxy.sh config`
 * (resources/lab/scripts) writes haproxy.cfg the way `lab up` does, and the
 * test runs it in the foreground (`-db`) on its own loopback addresses, so
 * the maintenance answer, health checks and runtime API under test are the
 * lab's, never a copy of them. Nodes are small HTTP servers that share one
 * port (the lab's nodes all use 8080/9000 on their own addresses) and answer
 * /health/ready as the test decides.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { freePort, makeTempDir, spawnDaemon, waitForPort, waitUntil, type Daemon } from './daemon.ts';

const SCRIPT = fileURLToPath(new URL('../../../resources/lab/scripts/haproxy.sh', import.meta.url));

export interface LabHaproxy {
  socketPath: string;
  /** http://<address>:<port>/ of the frontend. */
  frontendUrl: string;
  address: string;
  port: number;
  backend: 'keycloak';
  /** The generated haproxy.cfg, for assertions about what the lab runs. */
  config: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

/** Runs the lab's haproxy.cfg for `backends` (name -> address, all on `nodePort`) with its frontend on `address`. */
export async function startLabHaproxy(address: string, backends: readonly { name: string; address: string }[], nodePort: number): Promise<LabHaproxy> {
  const tmp = await makeTempDir('lab-haproxy');
  const port = await freePort(address);
  try {
    const { stdout } = await execa('bash', [SCRIPT, 'config'], {
      env: {
        LAB_STATE_DIR: tmp.dir,
        HAPROXY_BACKENDS: backends.map((b) => `${b.name}=${b.address}`).join(','),
        HAPROXY_ADDRESS: address,
        HAPROXY_PORT: String(port),
        KC_HTTP_PORT: String(nodePort),
        KC_MANAGEMENT_PORT: String(nodePort),
      },
    });
    const configPath = stdout.trim();
    const config = await readFile(configPath, 'utf8');
    const socketPath = join(tmp.dir, 'haproxy', 'admin.sock');
    const daemon = spawnDaemon('haproxy', '/usr/sbin/haproxy', ['-f', configPath, '-db']);
    try {
      await waitForPort(address, port, daemon);
      await waitUntil('haproxy admin socket', () => stat(socketPath).then(() => true, () => false), 10_000, daemon);
    } catch (err) {
      await daemon.stop();
      throw err;
    }
    return {
      socketPath, frontendUrl: `http://${address}:${port}/`, address, port, backend: 'keycloak', config, daemon,
      async stop() {
        await daemon.stop();
        await tmp.remove();
      },
    };
  } catch (err) {
    await tmp.remove();
    throw err;
  }
}

/** A stand-in Keycloak node: answers /health/ready with 200 or 503 as `ready` says, and everything else with `handler`. */
export interface TestNode {
  name: string;
  address: string;
  ready: boolean;
  /** Requests other than health checks that reached this node. */
  served: number;
  stop(): Promise<void>;
}

function listen(server: Server, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Starts one node per address, all on the same free port (retried when a
 * port free on the first address is taken on another). Returns the nodes
 * and that port.
 */
export async function startNodesOnOnePort(
  nodes: readonly { name: string; address: string }[],
  handler: (node: TestNode, req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ nodes: TestNode[]; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort(nodes[0]!.address);
    const started: TestNode[] = [];
    try {
      for (const n of nodes) {
        const node = { name: n.name, address: n.address, ready: true, served: 0 } as TestNode;
        const server = createServer((req, res) => {
          if (req.url === '/health/ready') return void res.writeHead(node.ready ? 200 : 503, { 'content-type': 'application/json' }).end(`{"status":"${node.ready ? 'UP' : 'DOWN'}"}`);
          node.served++;
          handler(node, req, res);
        });
        node.stop = () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          });
        started.push(node);
        await listen(server, n.address, port);
      }
      return { nodes: started, port };
    } catch (err) {
      await Promise.all(started.map((n) => n.stop().catch(() => undefined)));
      if ((err as { code?: string }).code !== 'EADDRINUSE' || attempt >= 5) throw err;
    }
  }
}
