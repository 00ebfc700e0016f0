/**
 * The PDF report: Chromium's print of the report HTML through playwright-core,
 * with a header (cluster, run id, generation time, and "in progress" for a
 * run still going) and page numbers in the footer. Debian's Chromium is used
 * (no browser download offline); the page gets no network at all, and
 * JavaScript is off, so the PDF shows exactly what the HTML does.
 */
import { existsSync } from 'node:fs';
import type { RunReport } from '../../shared/contract/report.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { escapeHtml as e } from './html-escape.ts';
import { renderReportHtml } from './report-html.ts';

/** The Chromium to print with: KEYTURN_CHROMIUM, else Debian's. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.KEYTURN_CHROMIUM ?? '/usr/bin/chromium';
}

const small = 'font-size: 8px; font-family: system-ui, sans-serif; color: #444; width: 100%; padding: 0 12mm;';

/** Renders the report to PDF bytes. */
export async function renderReportPdf(report: RunReport, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const executablePath = chromiumPath(env);
  if (!existsSync(executablePath)) {
    throw new KeyturnError('tool-missing', `Chromium, which prints the PDF report, is not at ${executablePath}.`, 'Install Debian\'s chromium package (apt-get install chromium), point KEYTURN_CHROMIUM at a Chromium binary, or write --format html instead.');
  }
  // Loaded only for a PDF: the JSON and HTML formats need no browser.
  const { chromium } = await import('playwright-core');
  // --no-sandbox as the e2e tests launch it (root and containers lack the sandbox's namespaces): the page
  // is our own HTML with scripts disabled and every request refused below.
  const browser = await chromium.launch({
    executablePath, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    await context.route('**/*', (route) => route.abort());
    const page = await context.newPage();
    await page.setContent(renderReportHtml(report), { waitUntil: 'load' });
    const progress = report.inProgress ? ` &nbsp;<b style="color:#b45309">IN PROGRESS (${e(report.run.status)})</b>` : '';
    return await page.pdf({
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: `<div style="${small}">${e(report.change.cluster ?? 'no cluster')} &middot; run ${e(report.run.id)} &middot; generated ${e(report.generatedAt)}${progress}</div>`,
      footerTemplate: `<div style="${small} text-align: right;">page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`,
      margin: { top: '18mm', bottom: '16mm', left: '12mm', right: '12mm' },
    });
  } finally {
    await browser.close();
  }
}
