/**
 * Issue 2 in a real browser: register a cluster through the form, see it in
 * the fleet, reload, still there; an invalid form shows the error beside the
 * field and stores nothing.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterFormPage, type ClusterFormInput } from './pages/cluster-form-page.ts';
import { launchChromium, removeHome, screenshot, startConsole, type ConsoleHandle } from './support/console.ts';
import { execa } from 'execa';
import { join } from 'node:path';

let consoleHandle: ConsoleHandle;
let browser: Browser;
let page: Page;

const valid: ClusterFormInput = {
  name: 'acme-staging',
  environment: 'staging',
  version: '26.7.0',
  nodes: [
    { name: 'n1', host: 'kc1.acme.example', user: 'keycloak' },
    { name: 'n2', host: 'kc2.acme.example', user: 'keycloak' },
  ],
  db: { host: 'db.acme.example', name: 'keycloak', user: 'keycloak' },
  traffic: { name: 'sso.acme.example', server: 'ns1.acme.example' },
};

const ledgerClusters = async (home: string) =>
  JSON.parse((await execa(process.execPath, [join(process.cwd(), 'bin', 'keyturn.js'), 'cluster', 'list', '--json'], { env: { KEYTURN_HOME: home } })).stdout) as { name: string }[];

beforeAll(async () => {
  consoleHandle = await startConsole();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await consoleHandle?.stop();
  if (consoleHandle) removeHome(consoleHandle.home);
});

describe('register a cluster in the console (browser mode, Chromium)', () => {
  it('shows the first-run screen on an empty ledger', async () => {
    await page.goto(consoleHandle.url);
    await page.getByTestId('first-run').waitFor();
    expect(await page.getByTestId('create-sandbox').isVisible()).toBe(true);
    await screenshot(page, 'first-run');
  });

  it('refuses an invalid form with the error beside the field and stores nothing', async () => {
    await page.getByTestId('register-first').click();
    const form = new ClusterFormPage(page);
    await form.fill({ ...valid, nodes: [{ name: 'n1', host: 'not a host!', port: '70000', user: 'keycloak' }] });
    await form.submit();
    await form.error('node-0-host').waitFor();
    expect(await form.error('node-0-host').textContent()).toMatch(/host name or IP/);
    expect(await form.error('node-0-port').textContent()).toMatch(/1-65535/);
    await screenshot(page, 'register-invalid');
    expect(await ledgerClusters(consoleHandle.home)).toEqual([]);
  });

  it('registers a valid cluster, shows it in the fleet, and keeps it across a reload', async () => {
    await page.goto(consoleHandle.url);
    await page.getByTestId('register-first').click();
    const form = new ClusterFormPage(page);
    await form.fill(valid);
    await form.submit();
    await page.getByTestId('cluster-detail').waitFor();
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('cluster-row-acme-staging').waitFor();
    expect(await page.getByTestId('cluster-row-acme-staging').textContent()).toMatch(/26\.7\.0/);
    await screenshot(page, 'fleet-after-register');
    await page.reload();
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('cluster-row-acme-staging').waitFor();
    expect((await ledgerClusters(consoleHandle.home)).map((c) => c.name)).toEqual(['acme-staging']);
  });

  it('refuses a duplicate name with a banner naming the conflict', async () => {
    await page.getByTestId('register-cluster').click();
    const form = new ClusterFormPage(page);
    await form.fill(valid);
    await form.submit();
    await form.banner().waitFor();
    expect(await form.banner().textContent()).toMatch(/already registered/);
    expect(await ledgerClusters(consoleHandle.home)).toHaveLength(1);
  });

  it('removes a cluster only after its exact name is typed', async () => {
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('cluster-row-acme-staging').click();
    await page.getByTestId('remove-cluster').click();
    await page.getByTestId('remove-confirm-input').fill('acme-stagin');
    expect(await page.getByTestId('remove-confirm').isDisabled()).toBe(true);
    expect((await ledgerClusters(consoleHandle.home)).map((c) => c.name)).toEqual(['acme-staging']);
    await page.getByTestId('remove-confirm-input').fill('acme-staging');
    await page.getByTestId('remove-confirm').click();
    await expect.poll(async () => (await ledgerClusters(consoleHandle.home)).length, { timeout: 10_000 }).toBe(0);
  });
});
