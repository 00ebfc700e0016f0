/**
 * Tiny in-process HTTP servers for adapter tests: stand-ins for Keycloak nodes
 * behind HAProxy, or for a node's management port. They bind 127.0.30.x only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface TestHttpServer {
  address: string;
  port: number;
  url: string;
  /** Closes the listener and every open connection (keep-alive included). */
  stop(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Listens on `address` and a free port with `handler`. */
export async function startHttpServer(address: string, handler: Handler): Promise<TestHttpServer> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    address,
    port,
    url: `http://${address}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
