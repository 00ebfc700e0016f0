/**
 * README promises about an upgrade that must not start changing the lab:
 * Keycloak's update-compatibility check not answering 0 (refused before any
 * run step), a failed backup (the run stops before anything changes), and a
 * node whose SSH host key changed (preflight stops naming the node and both
 * fingerprints). Each leaves every node on 26.7.0, ready and in rotation.
 */
import { execa } from 'execa';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureLabUp, keyturn } from './lab-harness.ts';
import { databasePassword, editLab, ensureLabAt, expectLabUntouched, recordedVersion, stateDirOf, wrongLabSecret } from './lab-cluster.ts';
import { backupsOfRun, latestRun, runStatus, stepsOf } from './lab-ledger.ts';

const lab = inject('lab');
const home = lab.home;
const from = '26.7.0';
const to = '26.7.3';

beforeAll(async () => {
  await ensureLabUp(lab);
  await ensureLabAt(home, from);
}, 60 * 60_000);

async function expectUntouched(): Promise<void> {
  await expectLabUntouched(home, from);
  expect(recordedVersion(home)).toBe(from);
}

/** The run stopped at step `kind`, which failed; every later step never ran. */
function expectStoppedAt(runId: string, kind: string): void {
  expect(runStatus(home, runId)).toBe('failed');
  const steps = stepsOf(home, runId);
  const at = steps.findIndex((s) => s.kind === kind);
  expect(steps[at]).toMatchObject({ status: 'failed' });
  expect(steps.slice(0, at).every((s) => s.status === 'succeeded')).toBe(true);
  expect(steps.slice(at + 1).every((s) => s.status === 'pending')).toBe(true);
}

/** SHA256 fingerprint of the ed25519 host key a lab node's sshd presents right now (ssh-keyscan). */
async function presentedFingerprint(address: string): Promise<string | null> {
  const scan = await execa('ssh-keyscan', ['-T', '10', '-p', '2222', '-t', 'ed25519', address], { reject: false });
  if (!scan.stdout.trim()) return null;
  const fp = await execa('ssh-keygen', ['-lf', '-'], { input: scan.stdout, reject: false });
  return /(SHA256:\S+)/.exec(fp.stdout)?.[1] ?? null;
}

function pinnedFingerprint(node: string): Promise<string> {
  return keyturn(home, ['cluster', 'show', 'lab', '--json']).then((r) => {
    const detail = JSON.parse(r.stdout) as { nodes: { name: string; hostKey: { fingerprint: string } | null }[] };
    return detail.nodes.find((n) => n.name === node)!.hostKey!.fingerprint;
  });
}

describe('an upgrade of the lab that must not start', () => {
  it("is refused when Keycloak's update-compatibility check does not answer 0: exit 2 with kc.sh's reasons, no run, nothing changed", async () => {
    // 26.5.6 is a real, published distribution whose caches and JGroups differ from 26.7.0's: kc.sh says incompatible.
    const before = latestRun(home, 'upgrade')?.id;
    const r = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', '26.5.6', '--strategy', 'rolling', '--yes', '--json'], { timeoutMs: 20 * 60_000 });
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(2);
    const err = (JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } }).error;
    expect(err.code).toBe('invalid-input');
    expect(err.message).toMatch(/A rolling upgrade of 'lab' from 26\.7\.0 to 26\.5\.6 is not possible/);
    expect(err.message).toMatch(/kc\.sh: \[cacheEmbedded\] .* is incompatible/);
    expect(err.hint).toMatch(/recommends (blue-green|recreate)/);
    expect(latestRun(home, 'upgrade')?.id).toBe(before);
    await expectUntouched();
  });

  it('stops at the backup when pg_dump cannot log in: exit 7, no backup, nothing changed, the password never printed', async () => {
    const wrong = 'not-the-database-password';
    const restore = wrongLabSecret(home, join(home, 'lab', 'secrets', 'db-password-wrong-for-dump'), wrong, databasePassword);
    try {
      const r = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', to, '--yes']);
      expect(r.exitCode, r.stderr).toBe(7);
      expect(r.stderr).toMatch(/pg_dump|backup/i);
      expect(r.stderr).toMatch(/hint: /);
      expect(r.stderr + r.stdout).not.toContain(wrong);
      const run = latestRun(home, 'upgrade')!;
      expectStoppedAt(run.id, 'backup');
      expect(backupsOfRun(home, run.id)).toBe(0);
      expect((await keyturn(home, ['ledger', 'export'])).stdout).not.toContain(wrong);
    } finally {
      restore();
    }
    await expectUntouched();
  });

  it("stops at preflight when a node's SSH host key changed, naming the node and both fingerprints", async () => {
    const nodeRoot = join(stateDirOf(home), 'nodes', 'n1');
    const hostKey = join(nodeRoot, 'etc', 'ssh', 'ssh_host_ed25519_key');
    const sshdPid = () => Number(readFileSync(join(nodeRoot, 'run', 'sshd.pid'), 'utf8').trim());
    const pinned = await pinnedFingerprint('n1');
    expect(await presentedFingerprint('127.0.10.1')).toBe(pinned);
    const scratch = mkdtempSync(join(tmpdir(), 'keyturn-it-hostkey-'));
    copyFileSync(hostKey, join(scratch, 'original'));
    copyFileSync(`${hostKey}.pub`, join(scratch, 'original.pub'));
    try {
      // The node is "reinstalled": a new host key, and sshd (SIGHUP: it re-executes itself) presents it.
      await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'n1-reinstalled', '-f', join(scratch, 'new')]);
      copyFileSync(join(scratch, 'new'), hostKey);
      copyFileSync(join(scratch, 'new.pub'), `${hostKey}.pub`);
      process.kill(sshdPid(), 'SIGHUP');
      // sshd re-executes on SIGHUP: until it listens again a scan finds no key (null), which is not the new key either
      let presented: string | null = null;
      await expect.poll(async () => {
        presented = await presentedFingerprint('127.0.10.1');
        return presented !== null && presented !== pinned;
      }, { timeout: 60_000, interval: 500 }).toBe(true);
      expect(presented).toMatch(/^SHA256:/);

      const r = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', to, '--yes']);
      expect(r.exitCode, r.stderr).toBe(7);
      expect(r.stderr).toMatch(/\bn1\b/);
      expect(r.stderr).toContain(pinned);
      expect(r.stderr).toContain(presented);
      expect(r.stderr).not.toMatch(/\bn2\b.*(host key|SHA256)/);
      const run = latestRun(home, 'upgrade')!;
      expectStoppedAt(run.id, 'preflight');
      expect(backupsOfRun(home, run.id)).toBe(0);
      // the pin was not replaced by what the node presented
      expect(await pinnedFingerprint('n1')).toBe(pinned);
    } finally {
      copyFileSync(join(scratch, 'original'), hostKey);
      copyFileSync(join(scratch, 'original.pub'), `${hostKey}.pub`);
      process.kill(sshdPid(), 'SIGHUP');
      rmSync(scratch, { recursive: true, force: true });
    }
    await expect.poll(() => presentedFingerprint('127.0.10.1'), { timeout: 60_000, interval: 500 }).toBe(pinned);
    await expectUntouched();
  });

  it('refuses to plan from a record edited by hand: the metadata must describe what the nodes run, not what the record says', async () => {
    // cache-stack tcp in the record while the nodes run jdbc-ping: a check on that metadata could answer 0 for a change that is not rolling.
    let before: string | undefined;
    editLab(home, (spec) => { before = spec.keycloak.options['cache-stack']; spec.keycloak.options['cache-stack'] = 'tcp'; });
    try {
      const r = await keyturn(home, ['plan', '--cluster', 'lab', '--to', to, '--json'], { timeoutMs: 15 * 60_000 });
      expect(r.exitCode, r.stderr.slice(-2000)).toBe(4);
      // with --json the refusal is the JSON document on stdout
      const err = (JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } }).error;
      expect(err.code).toBe('conflict');
      expect(err.message).toMatch(/does not describe what n1 runs: cache-stack: the record says tcp, n1 runs (jdbc-ping|\(not set\))/);
      expect(err.hint).toMatch(/plan the change as an edit/);
    } finally {
      editLab(home, (spec) => { if (before === undefined) delete spec.keycloak.options['cache-stack']; else spec.keycloak.options['cache-stack'] = before; });
    }
    await expectUntouched();
  });
});
