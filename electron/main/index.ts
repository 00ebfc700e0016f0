/**
 * The Electron console: one hardened window on app://keyturn, the handler
 * registry on IPC, and the same services the CLI and browser mode use.
 */
import { app, BrowserWindow } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerIpc } from '../ipc/register-ipc.ts';
import { createHandlers } from '../registry/handlers.ts';
import { appRoot } from '../services/app-version.ts';
import { createServices } from '../registry/services.ts';
import { registerAppScheme, serveRenderer } from './app-protocol.ts';
import { appOrigin } from '../guards/window-guards.ts';
import { applySecurityPolicies } from './security.ts';

const here = dirname(fileURLToPath(import.meta.url));
registerAppScheme();

async function start(): Promise<void> {
  await app.whenReady();
  // Electron's userData dir is the same default the CLI uses, unless KEYTURN_HOME says otherwise.
  const services = createServices({ mode: 'electron', ...(process.env.KEYTURN_HOME ? {} : { home: app.getPath('userData') }) });
  applySecurityPolicies();
  serveRenderer(join(appRoot(), 'dist', 'renderer'));
  const windows = () => BrowserWindow.getAllWindows();
  const dispose = registerIpc(createHandlers(services), services.bus, windows);

  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Keyturn',
    show: false,
    webPreferences: {
      preload: join(here, '..', '..', '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  await win.loadURL(`${appOrigin}/index.html`);

  app.on('window-all-closed', () => {
    dispose();
    services.close();
    app.quit();
  });
}

start().catch((err: unknown) => {
  console.error('Keyturn failed to start:', err);
  app.exit(1);
});
