#!/usr/bin/env node
// `npm start`: the Electron console, or browser mode when Electron's binary is
// not installed (or with --browser). Builds the renderer first if it is missing
// or older than its sources.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const forceBrowser = args.includes('--browser');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function ensureRendererBuilt() {
  const index = join(root, 'dist', 'renderer', 'index.html');
  const stale = !existsSync(index) || statSync(index).mtimeMs < Math.max(newestMtime(join(root, 'renderer')), newestMtime(join(root, 'shared')));
  if (stale) {
    process.stderr.write('Building the console UI...\n');
    execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  }
}

/** Electron's npm package records its binary in path.txt once downloaded; no file, no binary. */
function electronBinary() {
  const dir = join(root, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

ensureRendererBuilt();
const electron = forceBrowser ? null : electronBinary();
if (electron) {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.electron.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle-preload.js')], { cwd: root, stdio: 'inherit' });
  const child = spawn(electron, [join(root, 'dist', 'electron', 'electron', 'main', 'index.js')], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  if (!forceBrowser) process.stderr.write("Electron's binary is not installed here; starting browser mode instead.\n");
  const child = spawn(process.execPath, [join(root, 'bin', 'console-server.js')], { cwd: root, stdio: 'inherit', env: process.env });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}
