/**
 * Steering a run on the real lab from another terminal, as the README
 * promises: the cluster lock (a second `keyturn upgrade` while one runs exits
 * 4), `keyturn runs abort` during the prepare step (the run stops after it,
 * exit 9, every node still on the old version and serving) and `keyturn runs
 * pause` (the run stops before the first node, exit 8, and says how to go on).
 * The availability prober runs through sso.lab.test throughout, and "0 failed"
 * comes with a request count that proves it ran.
 *
 * Both runs stop before any node is touched, so the file starts and ends with
 * the lab on 26.7.0.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureLabUp, keyturn } from './lab-harness.ts';
import { ensureLabAt, expectLabUntouched, startUpgrade, stateDirOf, waitForRun } from './lab-cluster.ts';
import { pausesAfter } from '../../shared/domain/step-kinds.ts';
import { backupsOfRun, expectZeroFailed, latestRun, runStatus, stepsOf, withLedger } from './lab-ledger.ts';

const lab = inject('lab');
const home = lab.home;
const from = '26.7.0';
const to = '26.7.3';

beforeAll(async () => {
  await ensureLabUp(lab);
  await ensureLabAt(home, from);
}, 60 * 60_000);

const expectUntouched = () => expectLabUntouched(home, from);

/** Upgrade runs recorded after `runId`. */
const runsAfter = (runId: string) => withLedger(home, (db) => db.prepare(`SELECT id, status FROM runs WHERE kind = 'upgrade' AND rowid > (SELECT rowid FROM runs WHERE id = ?)`).all(runId) as { id: string; status: string }[]);

/**
 * Runs `body` with the upgrade child started by `start`; whatever happens, the
 * child's run is ended before the test ends (so a failed assertion never
 * leaves an upgrade rolling on into the next test).
 */
async function withUpgrade(args: string[], body: (child: ReturnType<typeof startUpgrade>) => Promise<void>): Promise<void> {
  const child = startUpgrade(home, args);
  try {
    await body(child);
  } finally {
    if (child.exitCode === null) {
      const run = latestRun(home, 'upgrade');
      if (run && (run.status === 'running' || run.status === 'pending')) await keyturn(home, ['runs', 'abort', run.id]);
      await child;
    }
  }
}


describe('steering an upgrade of the lab from another terminal', () => {
  it('holds the cluster lock (a second upgrade exits 4), and `runs abort` during prepare stops the run after that step: exit 9, nothing switched', async () => {
    // A prepare that has work to do (unpack and build the target on n1), so the run is surely still in it while the test acts.
    for (const n of ['n1']) rmSync(join(stateDirOf(home), 'nodes', n, 'opt', `keycloak-${to}`), { recursive: true, force: true });
    const previous = latestRun(home, 'upgrade')?.id;
    let runId = '';
    await withUpgrade(['--to', to, '--yes', '--json'], async (child) => {
      runId = await waitForRun(home, child, previous, (r) => stepsOf(home, r.id).some((s) => s.kind === 'cluster.prepare' && s.status === 'running'));

      const second = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', to, '--yes']);
      expect(second.exitCode, second.stderr).toBe(4);
      expect(second.stderr).toContain(runId);
      expect(second.stderr).toMatch(/hint: /);
      // the refused attempt ran no step: if it is on record at all, it failed before its first one
      for (const other of runsAfter(runId)) {
        expect(other.status).toBe('failed');
        expect(stepsOf(home, other.id).every((s) => s.status === 'pending')).toBe(true);
      }

      const abort = await keyturn(home, ['runs', 'abort', runId]);
      expect(abort.exitCode, abort.stderr).toBe(0);
      expect(abort.stdout).toContain(`Abort requested for run ${runId}`);
      const done = await child;
      expect(done.exitCode, done.stderr.slice(-2000)).toBe(9);
      expect(runStatus(home, runId)).toBe('aborted');
      const steps = stepsOf(home, runId);
      expect(steps.filter((s) => s.node === null && s.kind !== 'verify').map((s) => [s.kind, s.status])).toEqual([
        ['preflight', 'succeeded'], ['backup', 'succeeded'], ['cluster.prepare', 'succeeded'],
      ]);
      expect(steps.filter((s) => s.node !== null).every((s) => s.status === 'pending')).toBe(true);
      expect(backupsOfRun(home, runId)).toBe(1);
      expectZeroFailed(home, runId);
      await expectUntouched();
    });
    // an aborted run is over: it cannot be resumed
    const resume = await keyturn(home, ['runs', 'resume', runId]);
    expect(resume.exitCode).toBe(4);
    expect(resume.stderr).toMatch(/aborted/);
  });

  it('`runs pause` stops the run at the next pause point, before the first node: exit 8, the way on printed, nothing switched; abort then ends the paused run at once', async () => {
    const previous = latestRun(home, 'upgrade')?.id;
    let runId = '';
    await withUpgrade(['--to', to, '--yes'], async (child) => {
      // Requested while the target is staged (a step of seconds, so the request surely lands in it, and the prober's count
      // proves it ran): pause takes effect after the current step if that step allows it (preflight, backup and prepare
      // do), never inside a node's or a maintenance window's steps.
      runId = await waitForRun(home, child, previous, (r) => stepsOf(home, r.id).some((s) => s.kind === 'cluster.prepare' && s.status === 'running'));
      const pause = await keyturn(home, ['runs', 'pause', runId]);
      expect(pause.exitCode, pause.stderr).toBe(0);
      expect(pause.stdout).toContain(`Pause requested for run ${runId}`);
      const done = await child;
      expect(done.exitCode, done.stderr.slice(-2000)).toBe(8);
      expect(done.stderr).toContain(`keyturn runs resume ${runId}`);
      expect(done.stdout).toMatch(new RegExp(`Run ${runId}: paused`));
      expect(runStatus(home, runId)).toBe('paused');
      // it stopped at the first pause point after the request: a prefix of the whole-cluster steps done, ending on one that allows a pause, the rest untouched
      const steps = stepsOf(home, runId);
      const succeeded = steps.filter((s) => s.status === 'succeeded');
      expect(succeeded.length).toBeGreaterThan(0);
      expect(steps.slice(0, succeeded.length)).toEqual(succeeded);
      expect(steps.slice(succeeded.length).every((s) => s.status === 'pending')).toBe(true);
      expect(pausesAfter(succeeded.at(-1)!.kind)).toBe(true);
      expect(succeeded.every((s) => s.node === null)).toBe(true);
      expectZeroFailed(home, runId);
      await expectUntouched();
    });

    const abort = await keyturn(home, ['runs', 'abort', runId]);
    expect(abort.exitCode, abort.stderr).toBe(0);
    expect(runStatus(home, runId)).toBe('aborted');
    await expectUntouched();
  });
});
