/**
 * Entry point of browser mode (`npm start -- --browser`, or `npm start` when
 * Electron's binary is missing): services + registry + bridge, then the one
 * line an operator needs, the URL with its token.
 */
import { join } from 'node:path';
import { KeyturnError, toErrorShape } from '../../shared/errors.ts';
import { createHandlers } from '../registry/handlers.ts';
import { appRoot } from '../services/app-version.ts';
import { createServices } from '../registry/services.ts';
import { startBridge } from './server.ts';
import { assertUsableToken } from './token.ts';

export async function runBrowserMode(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Checked before anything opens: a weak KEYTURN_TOKEN is refused with its reason, never used.
  if (env.KEYTURN_TOKEN !== undefined) assertUsableToken(env.KEYTURN_TOKEN);
  const services = createServices({ mode: 'browser' });
  const handlers = createHandlers(services);
  const port = env.KEYTURN_PORT ? Number(env.KEYTURN_PORT) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new KeyturnError('invalid-input', `KEYTURN_PORT='${env.KEYTURN_PORT}' is not a port number.`, 'Set KEYTURN_PORT to a number from 1 to 65535, or unset it to pick a free port.');
  }
  let bridge;
  try {
    bridge = await startBridge({ handlers, bus: services.bus, staticRoot: join(appRoot(), 'dist', 'renderer'), port, ...(env.KEYTURN_TOKEN !== undefined ? { token: env.KEYTURN_TOKEN } : {}) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new KeyturnError('conflict', `Port ${port} on 127.0.0.1 is already in use.`, 'Stop whatever listens there, or set KEYTURN_PORT to another port (or unset it to pick a free one).');
    }
    throw err;
  }
  process.stdout.write(`Keyturn console: ${bridge.url}\n`);
  const stop = () => {
    void bridge.close().finally(() => {
      services.close();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** The lines an operator reads when browser mode cannot start: what failed and how to fix it. */
export function explainStartFailure(err: unknown): string {
  const e = toErrorShape(err);
  return `keyturn: ${e.message}\n  hint: ${e.hint}\n`;
}
