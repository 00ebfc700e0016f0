/**
 * The HTML and PDF reports in Debian's Chromium (playwright-core), from a
 * real ledger filled by the engine's recording functions: the HTML renders
 * its title, step table and SVG chart with every request refused and none
 * attempted; the PDF is a PDF, pdftoppm renders its first page, a run still
 * going says so on every page, and no output carries the planted secret.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPlantedSecrets } from '../../test/support/planted-secrets.ts';
import { getRun } from '../ledger/runs-repo.ts';
import { chromiumPath, renderReportPdf } from './report-pdf.ts';
import { renderReportHtml } from './report-html.ts';
import { buildRunReport } from './run-report.ts';
import { plantedSecret, recordRuns, type RecordedRuns } from './test-support/recorded-runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'keyturn-report-render-'));
let rec: RecordedRuns;
let browser: Browser;
beforeAll(async () => {
  rec = await recordRuns(join(dir, 'ledger.sqlite'));
  browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
});
afterAll(async () => {
  await browser?.close();
  rec?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens `html` with scripts off and every request refused; returns the page and the requests it attempted. */
async function openOffline(html: string) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const attempted: string[] = [];
  context.on('request', (r) => attempted.push(r.url()));
  await context.route('**/*', (route) => route.abort());
  const page = await context.newPage();
  await page.setContent(html, { waitUntil: 'load' });
  return { page, attempted, close: () => context.close() };
}

describe('the HTML report', () => {
  it('renders title, step table and the availability chart offline, and attempts no request', async () => {
    const report = buildRunReport(rec.db, rec.upgradeRunId, { secrets: [plantedSecret] });
    const { page, attempted, close } = await openOffline(renderReportHtml(report));
    try {
      expect(await page.title()).toBe(`Keyturn run report: acme-prod, upgrade ${rec.upgradeRunId}`);
      expect(await page.locator('h1').innerText()).toContain(rec.upgradeRunId);
      const steps = getRun(rec.db, rec.upgradeRunId).steps;
      expect(await page.locator('#steps tbody tr').count()).toBe(steps.length);
      expect(await page.locator('#steps tbody tr').first().innerText()).toContain(steps[0]!.title);
      const chart = page.locator('svg#availability-chart');
      expect(await chart.isVisible()).toBe(true);
      expect((await chart.boundingBox())!.height).toBeGreaterThan(100);
      expect(await chart.locator('rect.ok').count()).toBeGreaterThan(10);
      // one red bar per second that held a failure (25.0-25.2 s and 40.0 s into the probing: two or three seconds)
      const failedSeconds = report.availability.slices.filter((x) => x.failed > 0).length;
      expect(failedSeconds).toBeGreaterThanOrEqual(2);
      expect(await chart.locator('rect.failed').count()).toBe(failedSeconds);
      expect(await page.locator('#in-progress').count()).toBe(0);
      expect(attempted).toEqual([]);
    } finally {
      await close();
    }
  });

  it('the no-request check does see a request (positive control)', async () => {
    const { attempted, close } = await openOffline('<!doctype html><title>x</title><img src="http://127.0.0.1:9/x.png">');
    await close();
    expect(attempted).toEqual(['http://127.0.0.1:9/x.png']);
  });

  it('shows the in-progress banner for a run still going', async () => {
    const { page, close } = await openOffline(renderReportHtml(buildRunReport(rec.db, rec.runningRunId)));
    try {
      expect(await page.locator('#in-progress').innerText()).toContain(`IN PROGRESS: run ${rec.runningRunId} is running`);
      expect(await page.locator('svg#availability-chart rect.maintenance').count()).toBe(1);
      // printed by the browser itself (no PDF header): the banner repeats at the top of every page
      const file = join(dir, 'printed-html.pdf');
      writeFileSync(file, await page.pdf({ format: 'A4' }));
      const n = Number(/Pages:\s+(\d+)/.exec((await execa('pdfinfo', [file])).stdout)![1]);
      expect(n).toBeGreaterThan(1);
      for (let p = 1; p <= n; p++) expect((await execa('pdftotext', ['-f', String(p), '-l', String(p), file, '-'])).stdout).toContain('IN PROGRESS');
    } finally {
      await close();
    }
  });
});

describe('the PDF report', () => {
  const pdfText = async (file: string, page: number) => (await execa('pdftotext', ['-layout', '-f', String(page), '-l', String(page), file, '-'])).stdout;
  const pages = async (file: string) => Number(/Pages:\s+(\d+)/.exec((await execa('pdfinfo', [file])).stdout)![1]);

  it('is a PDF whose first page pdftoppm renders, with the header and page numbers', async () => {
    const pdf = await renderReportPdf(buildRunReport(rec.db, rec.upgradeRunId, { secrets: [plantedSecret] }));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const file = join(dir, 'report.pdf');
    writeFileSync(file, pdf);
    await execa('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, join(dir, 'page1')]);
    expect(readFileSync(join(dir, 'page1.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
    const n = await pages(file);
    expect(n).toBeGreaterThan(1);
    const first = await pdfText(file, 1);
    expect(first).toContain(`acme-prod · run ${rec.upgradeRunId}`);
    expect(first).toContain(`page 1 of ${n}`);
    expect(await pdfText(file, n)).toContain(`page ${n} of ${n}`);
    expect(first).not.toContain('IN PROGRESS');
  });

  it('says IN PROGRESS on every page of a run still going', async () => {
    const file = join(dir, 'running.pdf');
    writeFileSync(file, await renderReportPdf(buildRunReport(rec.db, rec.runningRunId)));
    const n = await pages(file);
    expect(n).toBeGreaterThan(1);
    for (let p = 1; p <= n; p++) expect(await pdfText(file, p)).toContain('IN PROGRESS');
  });
});

describe('no output carries the planted secret', () => {
  it('greps the JSON, the HTML, the PDF and the PDF text', async () => {
    const report = buildRunReport(rec.db, rec.upgradeRunId, { secrets: [plantedSecret] });
    const files = { json: join(dir, 's.json'), html: join(dir, 's.html'), pdf: join(dir, 's.pdf'), text: join(dir, 's.txt') };
    writeFileSync(files.json, JSON.stringify(report));
    writeFileSync(files.html, renderReportHtml(report));
    writeFileSync(files.pdf, await renderReportPdf(report));
    await execa('pdftotext', [files.pdf, files.text]);
    // positive control: the text of the PDF does carry the masked kc.sh line the secret stood in
    expect(readFileSync(files.text, 'utf8')).toContain('db-password ***');
    expect(findPlantedSecrets(Object.values(files), { planted: plantedSecret })).toEqual([]);
  });
});
