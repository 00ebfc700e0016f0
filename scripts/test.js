#!/usr/bin/env node
// `npm test`: every check, in the order that fails fastest.
//
// 0. Prerequisites: the programs the suite drives (the lab's, plus Chromium),
//    checked by the same code as `keyturn lab doctor`. As root with apt-get,
//    missing packages are installed (one line per package); otherwise the run
//    stops at once naming them and the one command that installs them.
// 1. Type-check, lint, renderer build, Electron main build and preload bundle.
// 2. One Vitest run of all projects: unit, e2e (Chromium, browser mode) and
//    integration (the real lab, brought up once). Keycloak distributions are
//    fetched through Maven by the suites' global set-up, not assumed cached.
//
// Ends with one plain line "N passed, N failed, N skipped". Only the Electron
// smoke test may skip (its binary can't be downloaded everywhere); any other
// skipped test, and every test of a file whose set-up threw, counts as failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
const extra = process.argv.slice(2);
/** The one test that may skip, and only when Electron's binary is absent. */
const allowedSkips = ['e2e/electron-smoke.spec.ts'];

function step(title, args, env = process.env) {
  process.stdout.write(`\n== ${title}\n`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env });
  return r.status ?? 1;
}

// 0. Prerequisites (a private KEYTURN_HOME: checking must not create the operator's ledger).
const doctorHome = mkdtempSync(join(tmpdir(), 'keyturn-doctor-'));
const isRoot = process.getuid?.() === 0;
const doctorStatus = step(
  `prerequisites (keyturn lab doctor --suite${isRoot ? ' --install' : ''})`,
  [join(root, 'bin', 'keyturn.js'), 'lab', 'doctor', '--suite', ...(isRoot ? ['--install'] : [])],
  { ...process.env, KEYTURN_HOME: doctorHome },
);
rmSync(doctorHome, { recursive: true, force: true });
if (doctorStatus !== 0) {
  process.stdout.write('\nThe suite needs the programs listed above; install them (the command is printed above) and run npm test again.\n');
  process.stdout.write('\n0 passed, 1 failed, 0 skipped\n');
  process.exit(1);
}

let failedSteps = 0;
if (step('type-check (tsc -b: shared, node, web projects)', [bin('typescript', 'bin/tsc'), '-b']) !== 0) failedSteps++;
if (step('lint (eslint, layering rules)', [bin('eslint', 'bin/eslint.js'), '.']) !== 0) failedSteps++;
if (step('build the console UI (vite)', [bin('vite', 'bin/vite.js'), 'build', '--logLevel', 'warn']) !== 0) failedSteps++;
if (step('build Electron main and the sandboxed preload', [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.electron.json']) !== 0 ||
    step('bundle preload', [join(root, 'scripts', 'bundle-preload.js')]) !== 0) failedSteps++;

mkdirSync(join(root, 'test-results'), { recursive: true });
const report = join(root, 'test-results', 'vitest.json');
rmSync(report, { force: true });
const vitestStatus = step('tests (vitest: unit, e2e, integration)', [
  bin('vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra,
]);

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  for (const file of r.testResults ?? []) {
    const name = relative(root, file.name);
    const tests = file.assertionResults ?? [];
    // A file whose set-up threw reports its tests as skipped (or none at all): each one is a failure.
    const setupFailed = file.status === 'failed' && !tests.some((t) => t.status === 'failed');
    if (setupFailed) {
      const n = Math.max(1, tests.length);
      failed += n;
      problems.push(`${name}: set-up failed, ${n} test(s) did not run: ${String(file.message ?? '').split('\n')[0]}`);
      continue;
    }
    for (const t of tests) {
      if (t.status === 'passed') passed++;
      else if (t.status === 'failed') failed++;
      else if (allowedSkips.includes(name)) skipped++;
      else {
        failed++;
        problems.push(`${name}: "${t.fullName}" was skipped; only ${allowedSkips.join(', ')} may skip`);
      }
    }
  }
}
if (vitestStatus !== 0 && failed === 0) {
  failed = 1; // a crash or a failed global set-up counts as a failure
  problems.push('vitest exited non-zero without a failed test (a global set-up or the runner itself failed; see above)');
}
failed += failedSteps;
if (problems.length) process.stdout.write(`\n${problems.map((p) => `FAILED ${p}`).join('\n')}\n`);
if (skipped) process.stdout.write(`\n${skipped} skipped: the Electron smoke test (Electron's binary is not installed on this machine)\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 ? 1 : 0);
