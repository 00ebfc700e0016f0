/**
 * `npm run bench -- preflight [--from 26.7.0] [--to 26.7.3]`: what a pre-flight
 * costs, cold and warm, side by side in one run on this machine.
 *
 * Pre-flight = `kc.sh update-compatibility metadata` with the running version
 * + `update-compatibility check` with the target, both through the same
 * functions the planner uses. Baseline: a fresh scratch directory per check
 * (unpack + Quarkus rebuild every time, what a tool without a prepared copy
 * pays). Keyturn: the second check of the same target reuses the prepared
 * copy. The warm check must answer the same exit code without rebuilding.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCompatibility, localMetadata, type KcshRunOptions } from '../electron/tools/kcsh.ts';
import { prepareScratch, removeScratch, withScratchLock } from '../electron/tools/kcsh-scratch.ts';
import { sha256File } from '../electron/tools/keycloak-dist.ts';
import { fetchDistribution } from '../electron/tools/maven.ts';
import { findJdk } from '../electron/tools/toolchain.ts';

/** The lab's options: what a real pre-flight passes. */
const options = {
  cache: 'ispn', 'cache-stack': 'jdbc-ping', db: 'postgres', 'db-url-host': '127.0.10.50', 'db-url-port': '5432', 'db-url-database': 'keycloak',
  'db-username': 'keycloak', 'health-enabled': 'true', 'metrics-enabled': 'true', 'http-enabled': 'true', 'http-host': '127.0.10.1', 'http-port': '8080',
};

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function main(args: string[]): Promise<number> {
  const from = arg(args, 'from', '26.7.0');
  const to = arg(args, 'to', '26.7.3');
  const jdk = await findJdk(21);
  if (!jdk) {
    process.stderr.write('preflight: no JDK >= 21 under /usr/lib/jvm (install temurin-25-jdk)\n');
    return 6;
  }
  const home = await mkdtemp(join(tmpdir(), 'keyturn-bench-'));
  const root = join(home, 'scratch');
  const run: KcshRunOptions = { javaHome: jdk.home, options, secretEnv: { KC_DB_PASSWORD: 'bench-only-password' } };
  try {
    const zips = Object.fromEntries(await Promise.all([from, to].map(async (v) => {
      const zipPath = await fetchDistribution(v, { offline: true });
      return [v, { zipPath, sha256: await sha256File(zipPath) }] as const;
    })));
    const copyOf = (v: string) => withScratchLock(root, v, () => prepareScratch({ root, version: v, ...zips[v]! }));
    const file = join(home, `metadata-${from}.json`);
    process.stderr.write(`preflight: ${from} -> ${to} on ${cpus().length} CPU(s), ${jdk.vendor ?? 'JDK'} ${jdk.version}\n`);

    const metaCold = await timed(async () => localMetadata((await copyOf(from)).home, from, file, run));
    process.stderr.write(`  metadata cold  ${s(metaCold.ms)}\n`);
    const metaWarm = await timed(async () => localMetadata((await copyOf(from)).home, from, file, run));
    process.stderr.write(`  metadata warm  ${s(metaWarm.ms)}\n`);

    await removeScratch(root, to);
    const checkCold = await timed(async () => {
      const copy = await copyOf(to);
      return { copy, outcome: await checkCompatibility(copy.home, file, run) };
    });
    process.stderr.write(`  check cold     ${s(checkCold.ms)} (exit ${checkCold.value.outcome.exitCode})\n`);
    const checkWarm = await timed(async () => {
      const copy = await copyOf(to);
      return { copy, outcome: await checkCompatibility(copy.home, file, run) };
    });
    process.stderr.write(`  check warm     ${s(checkWarm.ms)} (exit ${checkWarm.value.outcome.exitCode})\n`);

    const rows: [string, string, string][] = [
      [`metadata ${from} (fresh copy: unpack + build)`, s(metaCold.ms), metaCold.value.rebuilt ? 'rebuilt' : 'no rebuild'],
      [`metadata ${from} (prepared copy)`, s(metaWarm.ms), metaWarm.value.rebuilt ? 'rebuilt' : 'no rebuild'],
      [`check ${to} cold (baseline: fresh scratch dir)`, s(checkCold.ms), `${checkCold.value.copy.state}, ${checkCold.value.outcome.rebuilt ? 'rebuilt' : 'no rebuild'}, exit ${checkCold.value.outcome.exitCode}`],
      [`check ${to} warm (Keyturn: reused scratch copy)`, s(checkWarm.ms), `${checkWarm.value.copy.state}, ${checkWarm.value.outcome.rebuilt ? 'rebuilt' : 'no rebuild'}, exit ${checkWarm.value.outcome.exitCode}`],
      ['check warm/cold ratio', (checkWarm.ms / checkCold.ms).toFixed(3), `${(checkCold.ms / checkWarm.ms).toFixed(1)}x faster`],
      ['pre-flight cold (metadata + check)', s(metaCold.ms + checkCold.ms), ''],
      ['pre-flight warm (metadata + check)', s(metaWarm.ms + checkWarm.ms), `ratio ${((metaWarm.ms + checkWarm.ms) / (metaCold.ms + checkCold.ms)).toFixed(3)}`],
    ];
    const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
    process.stdout.write(`\n${'PHASE'.padEnd(w[0]!)}  ${'WALL'.padEnd(w[1]!)}  NOTE\n`);
    for (const [a, b, c] of rows) process.stdout.write(`${a.padEnd(w[0]!)}  ${b.padEnd(w[1]!)}  ${c}\n`);
    process.stdout.write(`\nreproduce: npm run bench -- preflight --from ${from} --to ${to}\n`);

    const sane = checkWarm.value.copy.state === 'warm' && !checkWarm.value.outcome.rebuilt && checkWarm.value.outcome.exitCode === checkCold.value.outcome.exitCode;
    if (!sane) process.stderr.write('preflight: the warm check did not reuse the prepared copy or answered differently\n');
    return sane ? 0 : 1;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
