#!/usr/bin/env node
// `npm run bench -- <name> [args...]`: runs bench/<name>.ts through tsx (as
// bin/keyturn.js runs the CLI), so benchmarks need no build step. Each bench
// module exports `main(args): Promise<number>` returning the exit code.
import { register } from 'tsx/esm/api';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const available = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.ts') && !f.includes('.test.')).map((f) => f.slice(0, -3));
const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z0-9-]+$/.test(name) || !existsSync(join(root, 'bench', `${name}.ts`))) {
  process.stderr.write(`usage: npm run bench -- <name> [args]\navailable: ${available.join(', ')}\n`);
  process.exit(2);
}
register();
const { main } = await import(join(root, 'bench', `${name}.ts`));
process.exitCode = await main(args);
