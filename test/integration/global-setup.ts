/**
 * Integration suite setup: one real lab for the whole suite (README: "run the
 * lab once per suite"). This picks its KEYTURN_HOME; the first integration
 * file brings the lab up (`ensureLabUp`, so unit tests never share the CPU
 * with a lab build), and the teardown runs `keyturn lab down` and fails the
 * suite if any lab process or listening socket remains.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
  // For development: run the suite against a lab that is already up (its KEYTURN_HOME); it is left running.
  const reuse = process.env.KEYTURN_IT_REUSE_LAB;
  if (reuse) {
    project.provide('lab', { home: reuse, version });
    return async () => undefined;
  }
  // Under /tmp and private (0700): the lab then keeps PostgreSQL's data in /var/tmp, as it must under /root.
  const home = mkdtempSync(join(tmpdir(), 'keyturn-it-'));
  project.provide('lab', { home, version });

  return async () => {
    const labDir = join(home, 'lab');
    if (!existsSync(labDir)) {
      rmSync(home, { recursive: true, force: true });
      return;
    }
    const down = await keyturn(home, ['lab', 'down']);
    const sockets = await labSockets();
    const procs = [...processesUnder(labDir), ...processesUnder('/var/tmp/keyturn-lab-')];
    rmSync(home, { recursive: true, force: true });
    if (down.exitCode !== 0) throw new Error(`keyturn lab down failed (exit ${down.exitCode}):\n${down.stderr.slice(-3000)}`);
    if (sockets.length || procs.length) {
      throw new Error(`lab down left behind: sockets ${sockets.join(', ') || 'none'}; processes ${procs.map((p) => `${p.pid} ${p.cmd}`).join('; ') || 'none'}`);
    }
    process.stdout.write('[lab] down: no lab process and no listening socket left on 127.0.10.x, 127.0.20.x (green) / 127.0.53.1\n');
  };
}
