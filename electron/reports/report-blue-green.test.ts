/**
 * The blue/green section of the run report, from a real ledger on disk
 * filled by the engine's recording functions (a blue/green upgrade promoted
 * by hand, then switched back by a rollback): the JSON validates against its
 * schema and holds exactly what the ledger holds (clone point, colour built
 * and its pinned host keys, clone, checks, promotion, switch, drain, watch,
 * switch back, colours); other strategies have none; the HTML, opened offline
 * in Chromium, shows the switch and the drain figure, and the PDF prints
 * them; no output carries the planted secret.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReportSchema } from '../../shared/contract/index.ts';
import { findPlantedSecrets } from '../../test/support/planted-secrets.ts';
import { getBackup } from '../ledger/backups-repo.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import { listColours } from '../ledger/colours-repo.ts';
import { getRun } from '../ledger/runs-repo.ts';
import { chromiumPath, renderReportPdf } from './report-pdf.ts';
import { renderReportHtml } from './report-html.ts';
import { wayBackOf } from './report-way-back.ts';
import { allEvents, buildRunReport } from './run-report.ts';
import { recordBlueGreen, type RecordedBlueGreen } from './test-support/recorded-blue-green.ts';
import { plantedSecret, recordRuns, type RecordedRuns } from './test-support/recorded-runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'keyturn-report-bg-'));
let rec: RecordedRuns;
let bg: RecordedBlueGreen;
let browser: Browser;
beforeAll(async () => {
  rec = await recordRuns(join(dir, 'ledger.sqlite'));
  bg = await recordBlueGreen(rec.db);
  browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
});
afterAll(async () => {
  await browser?.close();
  rec?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

const stepOf = (runId: string, kind: string) => getRun(rec.db, runId).steps.find((s) => s.kind === kind)!;

describe('the blue/green section of an upgrade report', () => {
  it('validates against the schema through a JSON round trip, still version 1', () => {
    const parsed = runReportSchema.parse(JSON.parse(JSON.stringify(buildRunReport(rec.db, bg.upgradeRunId, { secrets: [plantedSecret] }))));
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.blueGreen?.mode).toBe('upgrade');
    // the section is checked, not passed through
    expect(runReportSchema.safeParse({ ...parsed, blueGreen: { ...parsed.blueGreen, drain: { ...parsed.blueGreen!.drain, lastRequestAfterSwitchSeconds: 'soon' } } }).success).toBe(false);
    expect(runReportSchema.safeParse({ ...parsed, blueGreen: { ...parsed.blueGreen, colour: 'purple' } }).success).toBe(false);
  });

  it('holds the clone point, the colour built with its pinned host keys, the clone and the checks as recorded', () => {
    const b = buildRunReport(rec.db, bg.upgradeRunId).blueGreen!;
    const backup = getBackup(rec.db, bg.backupId);
    expect(b).toMatchObject({ mode: 'upgrade', colour: 'green', serving: 'blue' });
    expect(b.clonePoint).toEqual({ backupId: bg.backupId, at: backup.createdAt, verified: true, verifiedAt: backup.verifiedAt });
    expect(backup.verifiedAt).not.toBeNull();
    const provisioned = allEvents(rec.db, bg.upgradeRunId).find((e) => e.kind === 'colour.provisioned')!;
    expect(b.built).toEqual({
      colour: 'green', provisionedAt: provisioned.at,
      nodes: [{ name: 'g1', address: '127.0.120.1', fingerprint: bg.fingerprints.g1 }, { name: 'g2', address: '127.0.120.2', fingerprint: bg.fingerprints.g2 }],
      loadBalancer: '127.0.120.100:443', database: '127.0.120.50:5432/keycloak',
    });
    expect(b.clone).toEqual({ changeSets: 398, jgroupsRowsCleared: 2, restored: true });
    expect(b.checks.views.map((v) => v.colour)).toEqual(['green', 'blue']);
    expect(b.checks.smoke.map((s) => [s.check, s.ok])).toEqual([['client-credentials', true], ['password-login', true], ['refresh', true], ['userinfo', true], ['admin-read', true]]);
    expect(b.checks.error).toBeNull();
  });

  it('dates the manual promotion by the gate step finishing and the switch step starting, and gives the switch, drain and watch', () => {
    const r = buildRunReport(rec.db, bg.upgradeRunId);
    const b = r.blueGreen!;
    const gate = stepOf(bg.upgradeRunId, 'promotion.gate');
    const sw = stepOf(bg.upgradeRunId, 'traffic.switch');
    expect(b.promotion).toEqual({ mode: 'manual', waitedForOperator: true, gateFinishedAt: gate.finishedAt, promotedAt: sw.startedAt, waitedSeconds: expect.any(Number) });
    expect(Date.parse(sw.startedAt!)).toBeGreaterThanOrEqual(Date.parse(gate.finishedAt!));
    expect(b.switch).toEqual({ at: bg.switchedAt, name: 'sso.acme.example', toColour: 'green', from: '127.0.110.100', to: '127.0.120.100', changed: true });
    expect(b.drain).toEqual({ fromColour: 'blue', lastRequestAfterSwitchSeconds: 2, sessionsAfterSwitch: 31, stillReceiving: false, waitedSeconds: 4.1 });
    expect(b.watch).toEqual({ held: true, requests: 400, failed: 0, failedByReason: {}, watchedSeconds: 20, breach: null });
    expect(b.coloursAfter).toEqual({ active: 'green', standby: 'blue' });
    expect(b.destroyed).toEqual([]);
    // the availability section marks the same switch (the switch step's end)
    expect(r.availability.switchAt).toBe(sw.finishedAt);
  });

  it('names the switch-back that undid it, and the colours as the ledger holds them now', () => {
    const b = buildRunReport(rec.db, bg.upgradeRunId).blueGreen!;
    const rb = getRun(rec.db, bg.switchBackRunId).run;
    expect(b.switchBack).toEqual({ automatic: false, runId: rb.id, status: 'succeeded', to: 'blue', at: bg.switchedBackAt, reason: expect.stringContaining('Blue kept serving') });
    const clusterId = getCluster(rec.db, bg.clusterName).id;
    expect(b.coloursNow).toEqual(listColours(rec.db, clusterId).map((c) => ({ colour: c.colour, role: c.role, version: c.version, since: c.updatedAt, clonePoint: c.clonePoint })));
    expect(b.coloursNow.map((c) => [c.colour, c.role])).toEqual(expect.arrayContaining([['blue', 'active'], ['green', 'standby']]));
  });
});

describe('the way back of a blue/green upgrade', () => {
  it('is the switch back to the standby, never a restore; once switched back, the report says by which run', () => {
    const r = buildRunReport(rec.db, bg.upgradeRunId);
    expect(r.wayBack.summary).toBe(`Rolled back by run ${bg.switchBackRunId} at ${getRun(rec.db, bg.switchBackRunId).run.finishedAt}: the cluster went back to Keycloak 26.5.6.`);
    // the same run as it stood before the switch-back ran
    const { run } = getRun(rec.db, bg.upgradeRunId);
    const cluster = getCluster(rec.db, bg.clusterName);
    const before = wayBackOf({ db: rec.db, run, steps: r.steps, cluster, backup: getBackup(rec.db, bg.backupId), rollbacks: [], undoes: null, change: 'minor' });
    expect(before.summary).toMatch(/^The colour that served before runs Keycloak 26\.5\.6 unchanged as the hot standby: rollback switches traffic back to it/);
    expect(before.summary).not.toContain('restored');
    expect(before.command).toBe('keyturn rollback --cluster acme-bg --plan');
    // before the switch, nothing reached the new colour
    const unswitched = r.steps.map((s) => (s.seq >= stepOf(bg.upgradeRunId, 'traffic.switch').seq ? { ...s, status: 'pending' as const, startedAt: null, finishedAt: null } : s));
    expect(wayBackOf({ db: rec.db, run, steps: unswitched, cluster, backup: null, rollbacks: [], undoes: null, change: 'minor' }).summary).toMatch(/^Traffic never left the serving colour/);
  });
});

describe('the blue/green section of other runs', () => {
  it('a switch-back rollback: the switch back to blue, its drain and watch, no build', () => {
    const r = buildRunReport(rec.db, bg.switchBackRunId);
    expect(runReportSchema.parse(JSON.parse(JSON.stringify(r))).blueGreen).toMatchObject({ mode: 'switch-back', colour: 'blue', serving: 'green' });
    const b = r.blueGreen!;
    expect(b).toMatchObject({ clonePoint: null, built: null, clone: null, promotion: null, switchBack: null, coloursAfter: { active: 'blue', standby: 'green' } });
    expect(b.checks).toEqual({ views: [], smoke: [], error: null });
    expect(b.switch).toEqual({ at: bg.switchedBackAt, name: 'sso.acme.example', toColour: 'blue', from: '127.0.120.100', to: '127.0.110.100', changed: true });
    expect(b.drain).toMatchObject({ fromColour: 'green', lastRequestAfterSwitchSeconds: 1, sessionsAfterSwitch: 12 });
    expect(r.wayBack.undoes).toBe(bg.upgradeRunId);
  });

  it('is null for a rolling and a recreate run, and a version-1 document written before the section reads as null', () => {
    const rolling = buildRunReport(rec.db, rec.upgradeRunId);
    expect(rolling.blueGreen).toBeNull();
    expect(buildRunReport(rec.db, rec.runningRunId).blueGreen).toBeNull();
    expect(renderReportHtml(rolling)).not.toContain('id="blue-green"');
    const { blueGreen: _dropped, ...older } = JSON.parse(JSON.stringify(rolling)) as Record<string, unknown>;
    expect('blueGreen' in older).toBe(false);
    expect(runReportSchema.parse(older).blueGreen).toBeNull();
  });
});

describe('the blue/green section in HTML and PDF', () => {
  it('shows the clone point, the pinned keys, the promotion, the switch and the drain figure, offline', async () => {
    const report = buildRunReport(rec.db, bg.upgradeRunId, { secrets: [plantedSecret] });
    const context = await browser.newContext({ javaScriptEnabled: false });
    const attempted: string[] = [];
    context.on('request', (q) => attempted.push(q.url()));
    await context.route('**/*', (route) => route.abort());
    try {
      const page = await context.newPage();
      await page.setContent(renderReportHtml(report), { waitUntil: 'load' });
      expect(await page.locator('table#blue-green').isVisible()).toBe(true);
      expect(await page.locator('#bg-clone-point').innerText()).toContain(`backup ${bg.backupId} taken ${report.blueGreen!.clonePoint!.at}`);
      expect(await page.locator('#bg-clone-point').innerText()).toContain('verified by a restore');
      expect(await page.locator('#bg-node-table').innerText()).toContain(bg.fingerprints.g1);
      expect(await page.locator('#bg-node-table').innerText()).toContain(bg.fingerprints.g2);
      expect(await page.locator('#bg-clone').innerText()).toContain('398 change sets restored; 2 JGROUPS_PING rows');
      expect(await page.locator('#bg-smoke-table tr').count()).toBe(6);
      expect(await page.locator('#bg-smoke-table td.bad').count()).toBe(0);
      expect(await page.locator('#bg-promotion').innerText()).toContain(`manual (an operator promoted it); promoted ${report.blueGreen!.promotion!.promotedAt}`);
      expect(await page.locator('#bg-switch').innerText()).toContain(`${bg.switchedAt}: sso.acme.example from 127.0.110.100 → 127.0.120.100 (green)`);
      expect(await page.locator('#bg-drain').innerText()).toContain('All traffic off blue 2 s after the switch (31 sessions reached it after the switch)');
      expect(await page.locator('#bg-watch').innerText()).toContain('held for 20 s: 400 requests, 0 failed');
      expect(await page.locator('#bg-switch-back').innerText()).toContain(`to blue by rollback run ${bg.switchBackRunId} (succeeded) at ${bg.switchedBackAt}`);
      expect(await page.locator('#bg-colours-after').innerText()).toContain('green active, blue standby');
      expect(attempted).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('prints the section into the PDF, and no output (JSON, HTML, PDF, its text) carries the planted secret', async () => {
    // the ledger does hold it: its writers did not know it
    expect(JSON.stringify(allEvents(rec.db, bg.upgradeRunId))).toContain(plantedSecret);
    const report = buildRunReport(rec.db, bg.upgradeRunId, { secrets: [plantedSecret] });
    const files = { json: join(dir, 'bg.json'), html: join(dir, 'bg.html'), pdf: join(dir, 'bg.pdf'), text: join(dir, 'bg.txt') };
    writeFileSync(files.json, JSON.stringify(report));
    writeFileSync(files.html, renderReportHtml(report));
    writeFileSync(files.pdf, await renderReportPdf(report));
    await execa('pdftotext', [files.pdf, files.text]);
    const text = readFileSync(files.text, 'utf8').replace(/\s+/g, ' ');
    expect(text).toContain('Blue/green');
    expect(text).toContain('All traffic off blue 2 s after the switch');
    // positive control: the masked view message the secret stood in is printed
    expect(text).toContain('(admin ***)');
    expect(findPlantedSecrets(Object.values(files), { planted: plantedSecret })).toEqual([]);
  });
});
