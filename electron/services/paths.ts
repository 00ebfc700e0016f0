/**
 * Where Keyturn keeps its data. The default is the OS user-data directory an
 * Electron app named "Keyturn" gets (so the CLI and the console share one
 * ledger); `KEYTURN_HOME` overrides it for tests, labs and second ledgers.
 */
import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';

export function keyturnHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KEYTURN_HOME) return resolve(env.KEYTURN_HOME);
  const home = homedir();
  switch (platform()) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Keyturn');
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Keyturn');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Keyturn');
  }
}

export const ledgerPathIn = (home: string): string => join(home, 'ledger.sqlite');
