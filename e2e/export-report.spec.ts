/**
 * Issue 14 in a real browser: open a run's view, pick HTML, click "Export
 * report", and get a download that is the run's report (its title, its run
 * id) with the cluster's secret masked. The run is seeded into the console's
 * ledger by the engine's recording functions; no lab.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, removeHome, screenshot, startConsole, type ConsoleHandle } from './support/console.ts';
import { plantedSecret, secretEnvName, seedRecordedRuns, type SeededRuns } from './support/seed-runs.ts';

let consoleHandle: ConsoleHandle;
let browser: Browser;
let page: Page;
let runs: SeededRuns;

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), 'keyturn-e2e-export-'));
  runs = await seedRecordedRuns(home);
  // The console reads the cluster's db-password reference from its environment, so it can mask the value.
  process.env[secretEnvName] = plantedSecret;
  consoleHandle = await startConsole(home);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
});
afterAll(async () => {
  await browser?.close();
  await consoleHandle?.stop();
  if (consoleHandle) removeHome(consoleHandle.home);
  delete process.env[secretEnvName];
});

describe('"Export report" in the run view (browser mode, Chromium)', () => {
  it('downloads the HTML report of the run, titled with the run, without the secret', async () => {
    await page.goto(consoleHandle.url);
    await page.getByTestId('nav-runs').click();
    await page.getByTestId(`run-row-${runs.upgradeRunId}`).click();
    await page.getByTestId('run-view').waitFor();

    const button = page.getByTestId('export-report-button');
    expect(await button.textContent()).toBe('Export report');
    expect(await button.getAttribute('title')).toMatch(/Download this run's report/);
    await page.getByTestId('export-report-format').selectOption('html');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), button.click()]);

    expect(download.suggestedFilename()).toMatch(new RegExp(`^keyturn-${runs.clusterName}-${runs.upgradeRunId.slice(0, 8)}-\\d{4}-\\d{2}-\\d{2}\\.html$`));
    const file = await download.path();
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`<title>Keyturn run report: ${runs.clusterName}, upgrade ${runs.upgradeRunId}</title>`);
    expect(html).not.toContain(plantedSecret);
    expect(await page.getByTestId('export-report-error').count()).toBe(0);
    await screenshot(page, 'export-report');
  });

  it('downloads the PDF as bytes of a PDF', async () => {
    await page.getByTestId('export-report-format').selectOption('pdf');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 90_000 }), page.getByTestId('export-report-button').click()]);
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    expect(readFileSync(await download.path()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('shows the typed error and its hint when the PDF cannot be printed (no Chromium where main looks)', async () => {
    // A second console on the same ledger whose Chromium is missing: the fault a real machine without the package has.
    const saved = process.env.KEYTURN_CHROMIUM;
    process.env.KEYTURN_CHROMIUM = '/nonexistent/chromium';
    let broken: ConsoleHandle;
    try {
      broken = await startConsole(consoleHandle.home);
    } finally {
      if (saved === undefined) delete process.env.KEYTURN_CHROMIUM;
      else process.env.KEYTURN_CHROMIUM = saved;
    }
    try {
      const p = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await p.goto(broken.url);
      await p.getByTestId('nav-runs').click();
      await p.getByTestId(`run-row-${runs.runningRunId}`).click();
      await p.getByTestId('export-report-format').selectOption('pdf');
      let downloaded = false;
      p.on('download', () => (downloaded = true));
      await p.getByTestId('export-report-button').click();
      const error = p.getByTestId('export-report-error');
      await error.waitFor({ timeout: 60_000 });
      const text = (await error.textContent()) ?? '';
      expect(text).toContain('The report was not exported');
      expect(text).toContain('Chromium, which prints the PDF report, is not at /nonexistent/chromium.');
      expect(text).toContain('KEYTURN_CHROMIUM');
      expect(text).toContain('tool-missing');
      expect(downloaded).toBe(false);
      expect(await p.getByTestId('export-report-button').isEnabled()).toBe(true);
      await screenshot(p, 'export-report-error');
      await p.close();
    } finally {
      await broken.stop();
    }
  });
});
