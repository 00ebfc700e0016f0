#!/usr/bin/env node
// Browser mode's server (`npm start -- --browser`, or `npm start` without
// Electron's binary): started from the same bundle-or-tsx loader as the
// `keyturn` command (cli-loader.js), so it starts in about a second.
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { loadCliModule } from './cli-loader.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { runBrowserMode, explainStartFailure } = await loadCliModule(root, 'electron/bridge/browser-mode.ts');
runBrowserMode().catch((err) => {
  process.stderr.write(explainStartFailure(err));
  process.exit(1);
});
