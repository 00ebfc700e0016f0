/**
 * Integration suite setup: one real lab for the whole suite (README: "run the
 * lab once per suite"). Brings it up with `keyturn lab up`, measures the time
 * and the peak memory of everything under the lab directory, and on teardown
 * runs `keyturn lab down` and fails the suite if any lab process or listening
 * socket remains.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { keyturn, labSockets, processesUnder, type LabInfo } from './lab-harness.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const version = process.env.KEYTURN_LAB_VERSION ?? '26.7.0';
  // Under /tmp: the postgres OS user must be able to reach the lab's database directory.
  const home = mkdtempSync(join(tmpdir(), 'keyturn-it-'));
  const labDir = join(home, 'lab');
  const leftovers = await labSockets();
  if (leftovers.length) throw new Error(`Lab addresses are already in use before the suite starts: ${leftovers.join(', ')}. Stop the other lab (keyturn lab down) first.`);

  let peakKb = 0;
  // Everything the lab runs mentions its directory, or /var/tmp/keyturn-lab-* for PostgreSQL under a private home.
  const labRss = () => [...processesUnder(labDir), ...processesUnder('/var/tmp/keyturn-lab-')].reduce((sum, p) => sum + p.rssKb, 0);
  const sampler = setInterval(() => {
    peakKb = Math.max(peakKb, labRss());
  }, 2000);
  const started = Date.now();
  const up = await keyturn(home, ['lab', 'up', '--version', version, '--nodes', '2']);
  const upSeconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  peakKb = Math.max(peakKb, labRss());
  if (up.exitCode !== 0) {
    await keyturn(home, ['lab', 'down']);
    throw new Error(`keyturn lab up failed (exit ${up.exitCode}):\n${up.stderr.slice(-4000)}\n${up.stdout}`);
  }
  const info: LabInfo = { home, version, upSeconds, peakRssMb: Math.round(peakKb / 1024) };
  mkdirSync(join(process.cwd(), 'test-results'), { recursive: true });
  writeFileSync(join(process.cwd(), 'test-results', 'lab-metrics.json'), JSON.stringify(info, null, 2));
  process.stdout.write(`\n[lab] up in ${upSeconds.toFixed(0)} s, peak RSS ${info.peakRssMb} MB, Keycloak ${version}\n`);
  project.provide('lab', info);

  return async () => {
    const down = await keyturn(home, ['lab', 'down']);
    const sockets = await labSockets();
    const procs = processesUnder(labDir);
    rmSync(home, { recursive: true, force: true });
    if (down.exitCode !== 0) throw new Error(`keyturn lab down failed (exit ${down.exitCode}):\n${down.stderr.slice(-3000)}`);
    if (sockets.length || procs.length) {
      throw new Error(`lab down left behind: sockets ${sockets.join(', ') || 'none'}; processes ${procs.map((p) => `${p.pid} ${p.cmd}`).join('; ') || 'none'}`);
    }
    process.stdout.write('[lab] down: no lab process and no listening socket left on 127.0.10.x / 127.0.53.1\n');
  };
}
