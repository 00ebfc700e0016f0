/**
 * Issue 12's console in a real browser: a blue/green run paused at its
 * promotion gate shows one column per colour (blue serving, green building,
 * each with its node cards) and "Promote green" saying what it does and what
 * it costs; a promoted run shows green active and blue standby, the switch
 * marked on the prober chart, "Switch back to blue" and "Decommission blue"
 * behind a typed confirmation. The runs are seeded into the console's ledger
 * by the engine's own recording functions; no lab, and nothing is submitted
 * that would act on hosts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, removeHome, screenshot, startConsole, type ConsoleHandle } from './support/console.ts';
import { seedBlueGreen, type SeededBlueGreen } from './support/seed-blue-green.ts';

let consoleHandle: ConsoleHandle;
let browser: Browser;
let page: Page;
let seeded: SeededBlueGreen;

const text = async (testId: string) => ((await page.getByTestId(testId).textContent()) ?? '').replace(/\s+/g, ' ').trim();

async function openRun(runId: string) {
  await page.getByTestId('nav-runs').click();
  await page.getByTestId(`run-row-${runId}`).click();
  await page.getByTestId('run-view').waitFor();
  await page.getByTestId('colour-columns').waitFor({ timeout: 30_000 });
}

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), 'keyturn-e2e-bluegreen-'));
  seeded = seedBlueGreen(home);
  consoleHandle = await startConsole(home);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(consoleHandle.url);
});
afterAll(async () => {
  await browser?.close();
  await consoleHandle?.stop();
  if (consoleHandle) removeHome(consoleHandle.home);
});

describe('blue/green run view (browser mode, Chromium)', () => {
  it('paused at the promotion gate: two columns, blue serving and green building, and "Promote green" with what it does and costs', async () => {
    await openRun(seeded.gate.runId);
    expect(await page.getByTestId('run-status').textContent()).toBe('paused');

    const blue = page.getByTestId('colour-column-blue');
    const green = page.getByTestId('colour-column-green');
    expect(await blue.getAttribute('data-role')).toBe('serving');
    expect(await green.getAttribute('data-role')).toBe('building');
    expect(await text('colour-role-blue')).toBe('serving');
    expect(await text('colour-role-green')).toBe('building');
    expect(await text('colour-line-blue')).toContain(`Serves ${seeded.gate.trafficName}`);
    // Each colour's own nodes, as the colour records name them, with the run's node states.
    expect(await blue.getByTestId('node-card-n1').count()).toBe(1);
    expect(await blue.getByTestId('node-card-n2').count()).toBe(1);
    expect(await green.getByTestId('node-card-g1').getAttribute('data-state')).toBe('ready');
    expect(await green.getByTestId('node-card-g2').getAttribute('data-state')).toBe('ready');
    expect(await green.getByTestId('node-card-n1').count()).toBe(0);
    expect(await blue.getByTestId('node-card-n1').getAttribute('data-state')).toBe('none');
    expect((await blue.getByTestId('node-card-n1').textContent()) ?? '').toContain('26.5.6');
    expect((await green.getByTestId('node-card-g1').textContent()) ?? '').toContain('26.7.3');

    expect(await text('run-gate-banner')).toContain('Waiting for promotion');
    const promote = page.getByTestId('run-promote');
    expect(await promote.textContent()).toBe('Promote green');
    expect(await promote.isEnabled()).toBe(true);
    const explain = await text('run-promote-explain');
    expect(explain).toContain(`Promote green: switch ${seeded.gate.trafficName} to green's load balancer (RFC 2136 DNS update, TTL 1 s)`);
    expect(explain).toContain('then watch sso.acme.example with the prober for 60 s');
    expect(explain).toMatch(/Cost: no outage planned; writes blue took since the clone point \(\d{2}:\d{2}:\d{2}\) are not on green\./);
    // Only the buttons that apply: Promote replaces Resume; no switch back before a switch; no decommission while green is being built.
    expect(await page.getByTestId('run-resume').count()).toBe(0);
    expect(await page.getByTestId('run-switch-back').count()).toBe(0);
    expect(await page.locator('[data-testid^="decommission-"]').count()).toBe(0);
    expect(await text('run-rollback-explain')).toContain('blue never changed and keeps serving');
    // the data window is open while the run waits at the gate: its clock counts from the clone point, and blue's writes are named as not in the copy
    expect(await page.getByTestId('data-window').getAttribute('data-open')).toBe('true');
    expect(await text('data-window-clone-point')).toMatch(/^Clone point \d{2}:\d{2}:\d{2}: the copy holds the data as it was then\.$/);
    expect(await text('data-window-freeze')).toBe('Writes on blue: not frozen: writes on blue after the clone point are not in the copy.');
    const first = await text('data-window-clock');
    expect(first).toMatch(/^\d+:\d{2}(:\d{2})?$/);
    await expect.poll(async () => text('data-window-clock'), { timeout: 5_000, interval: 250 }).not.toBe(first);
    await screenshot(page, 'blue-green-gate');
  });

  it('promoted: green active, blue standby, the switch on the prober chart, Switch back and Decommission saying what they cost', async () => {
    await openRun(seeded.promoted.runId);
    expect(await page.getByTestId('colour-column-green').getAttribute('data-role')).toBe('active');
    expect(await page.getByTestId('colour-column-blue').getAttribute('data-role')).toBe('standby');
    expect(await text('colour-line-blue')).toContain('its last request came 1.4 s after the switch');
    // the window closed at the switch and stands still
    expect(await page.getByTestId('data-window').getAttribute('data-open')).toBe('false');
    expect(await text('data-window-clone-point')).toMatch(/; traffic switched at \d{2}:\d{2}:\d{2}\.$/);

    const mark = page.getByTestId('probe-chart').locator('svg text', { hasText: 'switched to green' });
    await mark.first().waitFor({ timeout: 30_000 });
    expect(await mark.count()).toBe(1);

    expect(await page.getByTestId('run-switch-back').textContent()).toBe('Switch back to blue…');
    expect(await text('run-switch-back-explain')).toContain(`points ${seeded.promoted.trafficName} at blue again, which kept serving unchanged; green is kept as standby. Cost: writes green took since the switch are not on blue`);
    expect(await page.getByTestId('run-promote').count()).toBe(0);

    const decommission = page.getByTestId('decommission-blue');
    expect(await decommission.textContent()).toBe('Decommission blue…');
    expect(await text('decommission-blue-explain')).toBe('Decommission blue: stops Keycloak on its 2 hosts. Cost: no switch back to blue (Keycloak 26.5.6) after this; it asks for the cluster\'s name, typed.');
    await decommission.click();
    const confirm = page.getByTestId('decommission-blue-confirm');
    expect(await confirm.isEnabled()).toBe(false);
    await page.getByTestId('decommission-blue-confirm-input').fill('acme-bg');
    expect(await confirm.isEnabled()).toBe(false);
    await page.getByTestId('decommission-blue-confirm-input').fill(seeded.promoted.clusterName);
    expect(await confirm.isEnabled()).toBe(true);
    await screenshot(page, 'blue-green-promoted');
  });
});
