/**
 * The lab for the integration suite: brought up once per suite by the global
 * setup through the real `keyturn` CLI, measured (time, peak memory), and torn
 * down at the end with a check that nothing is left listening or running.
 */
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LabInfo {
  home: string;
  version: string;
  upSeconds: number;
  peakRssMb: number;
}

/** Addresses the lab binds: nodes, PostgreSQL and HAProxy on 127.0.10.x, BIND on 127.0.53.1. */
export const labAddressPattern = /^127\.0\.10\.\d+$|^127\.0\.53\.1$/;

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
