#!/usr/bin/env node
// The `keyturn` command. Runs the TypeScript sources through tsx so `npx keyturn`
// works straight after `npm install`, with no build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

register();
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { main } = await import(join(root, 'electron', 'cli', 'main.ts'));
process.exitCode = await main(process.argv.slice(2));
