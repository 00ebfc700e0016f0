/**
 * The lab for the integration suite: brought up once per suite by the global
 * setup through the real `keyturn` CLI, measured (time, peak memory), and torn
 * down at the end with a check that nothing is left listening or running.
 */
import { execa } from 'execa';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LabInfo {
  home: string;
  version: string;
}

export interface LabMetrics {
  version: string;
  upSeconds: number;
  peakRssMb: number;
}

/** Addresses the lab binds: blue nodes, PostgreSQL and HAProxy on 127.0.10.x, green's on 127.0.20.x, BIND on 127.0.53.1. */
export const labAddressPattern = /^127\.0\.(10|20)\.\d+$|^127\.0\.53\.1$/;

export function keyturn(home: string, args: string[], opts: { timeoutMs?: number } = {}) {
  return execa(process.execPath, [join(process.cwd(), 'bin', 'keyturn.js'), ...args], {
    env: { KEYTURN_HOME: home },
    reject: false,
    timeout: opts.timeoutMs ?? 30 * 60_000,
  });
}

/** Listening TCP/UDP sockets on lab addresses, as `ss` reports them. */
export async function labSockets(): Promise<string[]> {
  const { stdout } = await execa('ss', ['-Hlntu']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[4] ?? '')
    .filter((local) => labAddressPattern.test(local.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')));
}

/** Processes whose command line mentions `dir` (the lab state directory). */
export function processesUnder(dir: string): { pid: number; cmd: string; rssKb: number }[] {
  const out: { pid: number; cmd: string; rssKb: number }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (!cmd.includes(dir)) continue;
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      out.push({ pid: Number(entry), cmd: cmd.slice(0, 200), rssKb: Number(rss ?? 0) });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/**
 * Brings the suite's lab up unless it already is (the first integration file
 * does it; the others find it up). Measures the time and the peak memory of
 * everything the lab runs, into test-results/lab-metrics.json.
 */
export async function ensureLabUp(lab: LabInfo): Promise<LabMetrics | null> {
  const status = await keyturn(lab.home, ['lab', 'status', '--json']);
  if (status.exitCode === 0 && (JSON.parse(status.stdout) as { state: string }).state === 'up') return null;
  const leftovers = await labSockets();
  if (leftovers.length) throw new Error(`Lab addresses are already in use: ${leftovers.join(', ')}. Stop the other lab (keyturn lab down) first.`);
  const labDir = join(lab.home, 'lab');
  const rss = () => [...processesUnder(labDir), ...processesUnder('/var/tmp/keyturn-lab-')].reduce((sum, p) => sum + p.rssKb, 0);
  let peakKb = 0;
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, rss())), 2000);
  const started = Date.now();
  const up = await keyturn(lab.home, ['lab', 'up', '--version', lab.version, '--nodes', '2']);
  clearInterval(sampler);
  peakKb = Math.max(peakKb, rss());
  if (up.exitCode !== 0) throw new Error(`keyturn lab up failed (exit ${up.exitCode}):\n${up.stderr.slice(-4000)}\n${up.stdout}`);
  const metrics: LabMetrics = { version: lab.version, upSeconds: Math.round((Date.now() - started) / 1000), peakRssMb: Math.round(peakKb / 1024) };
  mkdirSync(join(process.cwd(), 'test-results'), { recursive: true });
  writeFileSync(join(process.cwd(), 'test-results', 'lab-metrics.json'), JSON.stringify(metrics, null, 2));
  process.stdout.write(`\n[lab] up in ${metrics.upSeconds} s, peak RSS ${metrics.peakRssMb} MB, Keycloak ${lab.version}\n`);
  return metrics;
}
