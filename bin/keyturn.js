#!/usr/bin/env node
// The `keyturn` command. Runs the TypeScript sources with no build step, so
// `npx keyturn` works straight after `npm install`: from a bundle of them
// that is rebuilt whenever a source changed, or through tsx (cli-loader.js).
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { loadCliModule } from './cli-loader.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { main } = await loadCliModule(root, 'electron/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
