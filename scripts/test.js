#!/usr/bin/env node
// `npm test`: every check, in the order that fails fastest. Type-check of each
// tsconfig project, lint, renderer build (the e2e specs load it), then one
// Vitest run of all projects: unit, integration (the real lab, brought up once)
// and e2e (Chromium through browser mode). Ends with one plain line
// "N passed, N failed, N skipped" and a non-zero exit if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
const extra = process.argv.slice(2);

function step(title, args) {
  process.stdout.write(`\n== ${title}\n`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });
  return r.status ?? 1;
}

let failedSteps = 0;
if (step('type-check (tsc -b: shared, node, web projects)', [bin('typescript', 'bin/tsc'), '-b']) !== 0) failedSteps++;
if (step('lint (eslint, layering rules)', [bin('eslint', 'bin/eslint.js'), '.']) !== 0) failedSteps++;
if (step('build the console UI (vite)', [bin('vite', 'bin/vite.js'), 'build', '--logLevel', 'warn']) !== 0) failedSteps++;
if (step('build Electron main and the sandboxed preload', [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.electron.json']) !== 0 ||
    step('bundle preload', [join(root, 'scripts', 'bundle-preload.js')]) !== 0) failedSteps++;

mkdirSync(join(root, 'test-results'), { recursive: true });
const report = join(root, 'test-results', 'vitest.json');
const vitestStatus = step('tests (vitest: unit, integration, e2e)', [
  bin('vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra,
]);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  skipped = r.numPendingTests + r.numTodoTests;
}
if (vitestStatus !== 0 && failed === 0) failed = 1; // a crash or failed setup counts as a failure
failed += failedSteps;
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 ? 1 : 0);
