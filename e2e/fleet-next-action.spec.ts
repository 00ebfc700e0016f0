/**
 * Issue 14, the fleet view in a real browser: a cluster registered through
 * the form shows its next action ("no backup yet"); the table sorts by a
 * column header and filters by environment.
 */
import { execa } from 'execa';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterFormPage } from './pages/cluster-form-page.ts';
import { launchChromium, removeHome, screenshot, startConsole, type ConsoleHandle } from './support/console.ts';

let consoleHandle: ConsoleHandle;
let browser: Browser;
let page: Page;

/** The fleet rows' cluster names, top to bottom. */
const rowOrder = async () =>
  (await page.locator('[data-testid^="cluster-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')))).map((t) => t!.replace('cluster-row-', ''));

beforeAll(async () => {
  consoleHandle = await startConsole();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await consoleHandle?.stop();
  if (consoleHandle) removeHome(consoleHandle.home);
});

describe('fleet view: next action, sort, filter (browser mode, Chromium)', () => {
  it('shows "no backup yet" as a next action of a cluster just registered', async () => {
    await page.goto(consoleHandle.url);
    await page.getByTestId('register-first').click();
    const form = new ClusterFormPage(page);
    await form.fill({
      name: 'acme-staging',
      environment: 'staging',
      version: '26.7.0',
      nodes: [{ name: 'n1', host: 'kc1.acme.example', user: 'keycloak' }],
      db: { host: 'db.acme.example', name: 'keycloak', user: 'keycloak' },
      traffic: { name: 'sso.acme.example', server: 'ns1.acme.example' },
    });
    await form.submit();
    await page.getByTestId('cluster-detail').waitFor();
    // a second cluster, in production, registered from the CLI into the same ledger
    const add = await execa(process.execPath, [join(process.cwd(), 'bin', 'keyturn.js'), 'cluster', 'add', '--file', join(process.cwd(), 'test', 'fixtures', 'acme-prod.yaml')], {
      env: { KEYTURN_HOME: consoleHandle.home },
      reject: false,
    });
    expect(add.exitCode, add.stderr).toBe(0);

    await page.reload();
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('cluster-row-acme-prod').waitFor();
    expect(await page.getByTestId('next-action-acme-staging').textContent()).toMatch(/no backup yet/);
    expect(await page.getByTestId('next-action-acme-prod').textContent()).toMatch(/no backup yet/);
    await screenshot(page, 'fleet-next-action');
  });

  it('sorts by a column header, both ways', async () => {
    await page.getByTestId('sort-name').click();
    await expect.poll(rowOrder).toEqual(['acme-prod', 'acme-staging']);
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toMatch(/Cluster/);
    await page.getByTestId('sort-name').click();
    await expect.poll(rowOrder).toEqual(['acme-staging', 'acme-prod']);
    expect(await page.locator('th[aria-sort="descending"]').textContent()).toMatch(/Cluster/);
  });

  it('filters by environment', async () => {
    await page.getByTestId('fleet-environment').selectOption('production');
    await expect.poll(rowOrder).toEqual(['acme-prod']);
    await page.getByTestId('fleet-environment').selectOption('staging');
    await expect.poll(rowOrder).toEqual(['acme-staging']);
    await page.getByTestId('fleet-environment').selectOption('');
    await expect.poll(rowOrder).toEqual(['acme-staging', 'acme-prod']);
  });
});
