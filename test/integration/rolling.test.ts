/**
 * Issue 5 on the real lab (Keycloak 26.7.0 -> 26.7.3 patch upgrade, rolling):
 * faults first (an unreachable SSH host, a node whose disk refuses the new
 * version in the prepare phase, a node that will not start), then a
 * kill -9 of the engine after node 1 and a resume that completes. The
 * availability prober runs through sso.lab.test during every run and its
 * failures must be zero wherever the strategy promises zero downtime.
 *
 * Then the console (Chromium through browser mode) rolls that upgrade back
 * with its Rollback button and drives the wizard through a new rolling
 * upgrade, keeping screenshots of the live view in e2e/artifacts.
 *
 * The file starts by bringing the lab to 26.7.0 (through Keyturn, when an
 * earlier file or run left it elsewhere); its scenarios run in this order and
 * leave it on 26.7.3. Every "0 failed requests" comes with its proof: many
 * requests (5 a second of executed steps at least) and no `probe.disabled`.
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { artifactsDir, launchChromium, screenshot, startConsole, type ConsoleHandle } from '../../e2e/support/console.ts';
import { runReportSchema } from '../../shared/contract/index.ts';
import { findPlantedSecrets } from '../support/planted-secrets.ts';
import { showServers } from '../../electron/tools/haproxy.ts';
import { keyturn, ensureLabUp } from './lab-harness.ts';
import { ensureLabAt, keycloakDbPassword, labNodes, labVersions, probeClientSecret, stateDirOf, haproxyApiOf, wrongLabSecret as wrongSecret, type RefSlot } from './lab-cluster.ts';
import { backupsOfRun, eventSeqs, eventsOfKind, expectRunIsPlan, expectZeroFailed, latestRun, probeCounts, probeProof, runStatus, stepsOf, withLedger } from './lab-ledger.ts';

const lab = inject('lab');
const home = lab.home;

beforeAll(async () => {
  await ensureLabUp(lab);
  await ensureLabAt(home, '26.7.0');
}, 60 * 60_000);
const stateDir = stateDirOf(home);
const haproxyApi = haproxyApiOf(home);

const nodes = () => labNodes(home);
const versions = () => labVersions(home);
const wrongLabSecret = (file: string, wrong: string, slot: RefSlot) => wrongSecret(home, file, wrong, slot);


describe('rolling upgrade on the lab', () => {
  it('reports an unreachable SSH host before anything changes', async () => {
    const pidFile = join(stateDir, 'nodes', 'n2', 'run', 'sshd.pid');
    const sshdConfig = join(stateDir, 'nodes', 'n2', 'etc', 'ssh', 'sshd_config');
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
    try {
      await new Promise((r) => setTimeout(r, 500));
      const r = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', '26.7.3', '--yes']);
      expect(r.exitCode, r.stderr).toBe(7);
      expect(r.stderr).toMatch(/n2: SSH to .*127\.0\.10\.2:2222/);
      expect(r.stderr).toMatch(/nothing was changed/i);
      const run = latestRun(home, 'upgrade')!;
      expect(runStatus(home, run.id)).toBe('failed');
      const steps = stepsOf(home, run.id);
      expect(steps[0]).toMatchObject({ kind: 'preflight', status: 'failed' });
      expect(steps.slice(1).every((s) => s.status === 'pending')).toBe(true);
      expect(backupsOfRun(home, run.id)).toBe(0);
      const servers = await showServers(haproxyApi, 'keycloak');
      expect(servers.map((s) => s.adminState)).toEqual(['ready', 'ready']);
    } finally {
      await execa('/usr/sbin/sshd', ['-f', sshdConfig]);
    }
    // with n2 reachable again: nothing was touched
    expect(await versions()).toEqual({ n1: '26.7.0', n2: '26.7.0' });
  });

  it('stops at preflight when the probe client gets no token, before anything changes', async () => {
    const good = wrongLabSecret(join(home, 'lab', 'secrets', 'client-secret-wrong'), 'not-the-client-secret', probeClientSecret);
    try {
      const r = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', '26.7.3', '--yes']);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/probe client 'lab-client' got no token .*http-40[01]/);
      expect(r.stderr).toMatch(/probe\.clientSecretRef/);
      expect(r.stderr).not.toContain('not-the-client-secret');
      const run = latestRun(home, 'upgrade')!;
      const steps = stepsOf(home, run.id);
      expect(steps[0]).toMatchObject({ kind: 'preflight', status: 'failed' });
      expect(steps.slice(1).every((s) => s.status === 'pending')).toBe(true);
      expect(backupsOfRun(home, run.id)).toBe(0);
    } finally {
      good();
    }
    expect(await versions()).toEqual({ n1: '26.7.0', n2: '26.7.0' });
  });

  it('fails in the prepare phase with every node still serving and none drained when a node cannot take the new version', async () => {
    // A real fault on n1's disk: a plain file where the target version's directory must go.
    const blocker = join(stateDir, 'nodes', 'n1', 'opt', 'keycloak-26.7.3');
    rmSync(blocker, { recursive: true, force: true });
    writeFileSync(blocker, 'not a directory\n');
    try {
      const r = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', '26.7.3', '--yes', '--json']);
      expect(r.exitCode, r.stderr).toBe(7);
      expect(r.stderr).toMatch(/n1/);
      const run = latestRun(home, 'upgrade')!;
      const steps = stepsOf(home, run.id);
      expect(steps.find((s) => s.status === 'failed')).toMatchObject({ kind: 'cluster.prepare' });
      expect(steps.filter((s) => s.node !== null).every((s) => s.status === 'pending')).toBe(true);
      expectZeroFailed(home, run.id);
      expect((await showServers(haproxyApi, 'keycloak')).map((s) => s.adminState)).toEqual(['ready', 'ready']);
      expect(await versions()).toEqual({ n1: '26.7.0', n2: '26.7.0' });
      expect((await nodes()).every((n) => n.ready)).toBe(true);
    } finally {
      rmSync(blocker, { force: true });
    }
  });

  it('halts when a node will not start, keeps the cluster serving with zero failed requests, and rolls that node back', async () => {
    const good = wrongLabSecret(join(home, 'lab', 'secrets', 'db-password-broken'), 'not-the-database-password', keycloakDbPassword);
    try {
      const r = await keyturn(home, ['upgrade', '--cluster', 'lab', '--to', '26.7.3', '--yes', '--json']);
      expect(r.exitCode).toBe(7);
      expect(r.stderr).toMatch(/n1/);
      const run = latestRun(home, 'upgrade')!;
      expect(runStatus(home, run.id)).toBe('failed');
      const failed = stepsOf(home, run.id).find((s) => s.status === 'failed')!;
      expect(failed.node).toBe('n1');
      expect(['node.install', 'node.ready']).toContain(failed.kind);
      expect(stepsOf(home, run.id).filter((s) => s.node === 'n2').every((s) => s.status === 'pending')).toBe(true);
      // the cluster kept serving through n2
      expectZeroFailed(home, run.id);
      const servers = await showServers(haproxyApi, 'keycloak');
      expect(servers.find((s) => s.name === 'n2')).toMatchObject({ adminState: 'ready' });
      // rollback is offered and says what it will do
      const plan = JSON.parse((await keyturn(home, ['rollback', '--cluster', 'lab', '--plan', '--json'])).stdout) as { mode: string; toVersion: string; schemaChanged: boolean };
      expect(plan).toMatchObject({ mode: 'rolling-back', toVersion: '26.7.0', schemaChanged: false });
    } finally {
      good();
    }
    const rb = await keyturn(home, ['rollback', '--cluster', 'lab', '--json']);
    expect(rb.exitCode, rb.stderr).toBe(0);
    const rbRun = JSON.parse(rb.stdout) as { run: { id: string; status: string }; probe: { failed: number; requests: number } | null };
    expect(rbRun.run.status).toBe('succeeded');
    expect(rbRun.probe).toMatchObject({ failed: 0, requests: probeProof(home, rbRun.run.id).total });
    expectZeroFailed(home, rbRun.run.id);
    expect(await versions()).toEqual({ n1: '26.7.0', n2: '26.7.0' });
    expect((await nodes()).every((n) => n.ready)).toBe(true);
    expect((await showServers(haproxyApi, 'keycloak')).map((s) => s.adminState)).toEqual(['ready', 'ready']);
  });

  it('survives kill -9 of the engine after node 1: restart, resume, completes with the ledger intact and zero failed requests', async () => {
    const child = execa(process.execPath, [join(process.cwd(), 'bin', 'keyturn.js'), 'upgrade', '--cluster', 'lab', '--to', '26.7.3', '--yes'], { env: { KEYTURN_HOME: home }, reject: false });
    let runId: string | undefined;
    const deadline = Date.now() + 15 * 60_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      const run = latestRun(home, 'upgrade');
      if (run && run.status === 'running') {
        const enabled = stepsOf(home, run.id).find((s) => s.kind === 'node.enable' && s.node === 'n1');
        if (enabled?.status === 'succeeded') {
          runId = run.id;
          break;
        }
      }
      if (child.exitCode !== null) break;
    }
    expect(runId, 'node 1 never finished').toBeDefined();
    child.kill('SIGKILL');
    await child;
    expect(await versions()).toMatchObject({ n1: '26.7.3' });

    // a new Keyturn process finds the run interrupted, not running
    const list = JSON.parse((await keyturn(home, ['runs', 'list', '--cluster', 'lab', '--json'])).stdout) as { id: string; status: string }[];
    expect(list.find((r) => r.id === runId)?.status).toBe('interrupted');

    const resumed = await keyturn(home, ['runs', 'resume', runId!, '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(runStatus(home, runId!)).toBe('succeeded');
    expect(stepsOf(home, runId!).every((s) => s.status === 'succeeded')).toBe(true);
    const seqs = eventSeqs(home, runId!);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(backupsOfRun(home, runId!)).toBe(1);
    expectZeroFailed(home, runId!);
    // preflight read the lab's HAProxy check settings (fall 4) and found them tolerant of a readiness dip: one line, no warning
    const lbCheck = eventsOfKind(home, runId!, 'preflight.lb-check');
    expect(lbCheck).toHaveLength(1);
    expect(lbCheck[0]!.data).not.toHaveProperty('hint');
    expect(String(lbCheck[0]!.data.message)).toMatch(/n1, n2 go out of rotation after 4 failed checks in a row/);
    // every node issued tokens straight from the new version before it took traffic
    const warm = eventsOfKind(home, runId!, 'node.warmup');
    expect(warm.map((e) => e.node)).toEqual(['n1', 'n2']);
    for (const e of warm) expect(e.data.ok).toBeGreaterThan(0);
    expect(await versions()).toEqual({ n1: '26.7.3', n2: '26.7.3' });
    const cluster = JSON.parse((await keyturn(home, ['cluster', 'show', 'lab', '--json'])).stdout) as { spec: { keycloak: { version: string } } };
    expect(cluster.spec.keycloak.version).toBe('26.7.3');
  });

  it('reports that run for a change board in JSON, HTML and PDF: the figures are the ledger\'s, the HTML renders offline, the PDF renders back to PNG, no secret in any', async () => {
    const run = latestRun(home, 'upgrade')!;
    expect(run.status).toBe('succeeded');
    const out = mkdtempSync(join(tmpdir(), 'keyturn-lab-report-'));
    try {
      const files = { json: join(out, 'report.json'), html: join(out, 'report.html'), pdf: join(out, 'report.pdf') };
      for (const [format, file] of Object.entries(files)) {
        const r = await keyturn(home, ['report', run.id, '--format', format, '--out', file]);
        expect(r.exitCode, r.stderr).toBe(0);
      }
      const { total, failed } = probeCounts(home, run.id);
      const steps = stepsOf(home, run.id);

      // JSON: valid against its schema, and its figures are the ledger's
      const report = runReportSchema.parse(JSON.parse(readFileSync(files.json, 'utf8')));
      expect(report.run).toMatchObject({ id: run.id, kind: 'upgrade', status: 'succeeded' });
      expect(report.inProgress).toBe(false);
      expect(report.change.cluster).toBe('lab');
      expect(report.versions).toMatchObject({ from: '26.7.0', to: '26.7.3' });
      expect(report.strategy?.name).toBe('rolling');
      expect(report.decision?.exitCode).toBe(0);
      expect(report.availability).toMatchObject({ probed: true, requests: total, failed, ok: total - failed });
      expect(failed).toBe(0);
      expect(report.availability.slices.reduce((n, x) => n + x.ok + x.failed, 0)).toBe(total);
      expect(report.steps.map((x) => [x.seq, x.kind, x.node, x.status])).toEqual(steps.map((x) => [x.seq, x.kind, x.node, x.status]));
      const backupId = withLedger(home, (db) => (db.prepare('SELECT id FROM backups WHERE run_id = ?').get(run.id) as { id: string }).id);
      expect(report.backup?.id).toBe(backupId);
      expect(report.nodes.map((n) => n.node).sort()).toEqual(['n1', 'n2']);

      // HTML: one file that renders fully with every request refused and none attempted
      const browser = await launchChromium();
      try {
        const context = await browser.newContext({ javaScriptEnabled: false });
        const attempted: string[] = [];
        context.on('request', (r) => attempted.push(r.url()));
        await context.route('**/*', (route) => route.abort());
        const page = await context.newPage();
        await page.setContent(readFileSync(files.html, 'utf8'), { waitUntil: 'load' });
        expect(await page.title()).toBe(`Keyturn run report: lab, upgrade ${run.id}`);
        expect(await page.locator('#steps tbody tr').count()).toBe(steps.length);
        expect(await page.locator('#nodes').innerText()).toMatch(/n1[\s\S]*n2/);
        const chart = page.locator('svg#availability-chart');
        expect(await chart.isVisible()).toBe(true);
        expect(await chart.locator('rect.ok').count()).toBeGreaterThan(10);
        expect(await chart.locator('rect.failed').count()).toBe(0);
        expect(await page.locator('body').innerText()).toContain(`${total} (${total} ok, 0 failed)`);
        expect(attempted).toEqual([]);
        await context.close();
      } finally {
        await browser.close();
      }

      // PDF: a PDF whose text carries the same figures, and whose first page renders back to PNG (kept as an artifact)
      expect(readFileSync(files.pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const text = (await execa('pdftotext', ['-layout', files.pdf, '-'])).stdout;
      expect(text).toContain(run.id);
      expect(text).toMatch(new RegExp(`${total} \\(${total} ok, 0 failed\\)`));
      expect(text).not.toMatch(/IN PROGRESS/);
      mkdirSync(artifactsDir, { recursive: true });
      await execa('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', files.pdf, join(artifactsDir, 'rolling-run-report-page-1')]);
      const png = readFileSync(join(artifactsDir, 'rolling-run-report-page-1.png'));
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.length).toBeGreaterThan(20_000);
      writeFileSync(join(out, 'report.pdf.txt'), text);

      // no secret of the lab (database, admin, client, user) in any of the three, nor in the PDF's text
      const c = JSON.parse(readFileSync(join(home, 'lab', 'credentials.json'), 'utf8')) as Record<string, string>;
      const secrets = { 'db password': c.dbPassword!, 'admin password': c.adminPassword!, 'client secret': c.clientSecret!, 'user password': c.userPassword! };
      expect(findPlantedSecrets([...Object.values(files), join(out, 'report.pdf.txt')], secrets)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('the console on the lab (Chromium, browser mode)', () => {
  let consoleHandle: ConsoleHandle;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    consoleHandle = await startConsole(home);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await consoleHandle?.stop();
  });

  async function waitForRun(kind: string, notId: string | undefined, until: (status: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const run = latestRun(home, kind);
      if (run && run.id !== notId && until(run.status)) return run.id;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`no ${kind} run reached the expected state within ${timeoutMs / 1000} s`);
  }

  it('rolls the last upgrade back with the Rollback button, saying first what it will do', async () => {
    const upgrade = latestRun(home, 'upgrade')!;
    const previous = latestRun(home, 'rollback')?.id;
    await page.goto(consoleHandle.url);
    await page.getByTestId('nav-runs').click();
    await page.getByTestId(`run-row-${upgrade.id}`).click();
    await page.getByTestId('run-rollback').click();
    await page.getByTestId('rollback-plan').waitFor();
    // the plan is computed in main (SSH to every node, the changelog compared with the backup)
    await expect.poll(async () => page.getByTestId('rollback-plan').textContent(), { timeout: 120_000, interval: 500 }).toMatch(/26\.7\.0/);
    expect(await page.getByTestId('rollback-plan').textContent()).toMatch(/one at a time|rolling/i);
    await screenshot(page, 'rollback-plan');
    await page.getByTestId('rollback-confirm').click();
    const rollbackId = await waitForRun('rollback', previous, (s) => s === 'running' || s === 'succeeded', 120_000);
    await page.getByTestId('node-card-n1').waitFor();
    await waitForRun('rollback', previous, (s) => s !== 'running' && s !== 'pending', 15 * 60_000);
    expect(runStatus(home, rollbackId)).toBe('succeeded');
    await page.waitForTimeout(2000);
    await screenshot(page, 'rollback-done');
    expectZeroFailed(home, rollbackId);
    expect(await versions()).toEqual({ n1: '26.7.0', n2: '26.7.0' });
  });

  it('drives a rolling upgrade through the wizard with a canary pause: target, pre-flight, strategy, backup, run, resume, verify', async () => {
    const previous = latestRun(home, 'upgrade')?.id;
    // back on 26.7.0 after the rollback, the fleet says what to do next: the patch, and that it can roll
    const patchAction = 'patch 26.7.0 -> 26.7.3 available: rolling';
    const listed = JSON.parse((await keyturn(home, ['cluster', 'list', '--json'])).stdout) as { name: string; nextActions?: { text: string }[] }[];
    expect(listed.find((c) => c.name === 'lab')?.nextActions?.map((a) => a.text)).toContain(patchAction);
    await page.goto(consoleHandle.url);
    await expect.poll(async () => page.getByTestId('next-action-lab').innerText(), { timeout: 30_000 }).toContain(patchAction);
    await screenshot(page, 'fleet-patch-available');
    await page.getByTestId('cluster-row-lab').click();
    await page.getByTestId('start-upgrade').click();
    await page.getByTestId('wizard-target').waitFor();
    await page.getByTestId('target-version').selectOption('26.7.3');
    await screenshot(page, 'wizard-target');
    await page.getByTestId('wizard-target').getByTestId('wizard-next').click();
    await page.getByTestId('preflight-exit-code').waitFor({ timeout: 10 * 60_000 });
    expect(await page.getByTestId('preflight-exit-code').textContent()).toMatch(/\b0\b/);
    await screenshot(page, 'wizard-preflight');
    await page.getByTestId('wizard-preflight').getByTestId('wizard-next').click();
    await page.getByTestId('strategy-card-rolling').waitFor();
    await page.getByTestId('canary-toggle').check();
    await screenshot(page, 'wizard-strategy');
    await page.getByTestId('wizard-strategy').getByTestId('wizard-next').click();
    await page.getByTestId('start-run').click();
    const runId = await waitForRun('upgrade', previous, (s) => s === 'running', 5 * 60_000);
    await page.locator('[data-testid="node-card-n1"][data-state="installing"], [data-testid="node-card-n1"][data-state="starting"]').first().waitFor({ timeout: 10 * 60_000 });
    await screenshot(page, 'rollout-live');
    // canary: the run pauses after n1, which serves the new version while n2 still serves the old one
    await waitForRun('upgrade', previous, (s) => s === 'paused', 10 * 60_000);
    expect(await versions()).toEqual({ n1: '26.7.3', n2: '26.7.0' });
    // the canary is a pause point after n1's last step, not a step of its own: the run is the approved plan, step for step
    expect(eventsOfKind(home, runId, 'canary.paused')).toHaveLength(1);
    expect(stepsOf(home, runId).filter((s) => s.node === 'n1').every((s) => s.status === 'succeeded')).toBe(true);
    expectRunIsPlan(home, runId);
    expect(stepsOf(home, runId).filter((s) => s.node === 'n2').every((s) => s.status === 'pending')).toBe(true);
    await page.getByTestId('run-resume').waitFor({ timeout: 60_000 });
    await screenshot(page, 'rollout-canary-paused');
    await page.getByTestId('run-resume').click();
    await page.getByTestId('wizard-verify').waitFor({ timeout: 15 * 60_000 });
    await page.getByTestId('verify-probe-failed').waitFor({ timeout: 60_000 });
    await screenshot(page, 'wizard-verify');
    expect(runStatus(home, runId)).toBe('succeeded');
    expect(await page.getByTestId('verify-probe-failed').textContent()).toBe('0');
    expectZeroFailed(home, runId);
    expect(await versions()).toEqual({ n1: '26.7.3', n2: '26.7.3' });
  });
});
