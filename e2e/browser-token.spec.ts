/**
 * Issue 10 item 4 in a real browser: the access token leaves the address bar
 * once the console has loaded, is readable by no script (HttpOnly cookie, no
 * storage), and the console keeps working across a reload on the cookie alone.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, removeHome, startConsole, type ConsoleHandle } from './support/console.ts';

let consoleHandle: ConsoleHandle;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  consoleHandle = await startConsole();
  browser = await launchChromium();
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
  await consoleHandle?.stop();
  if (consoleHandle) removeHome(consoleHandle.home);
});

describe('browser-mode token hygiene (Chromium)', () => {
  it('takes the token out of the address bar and keeps it from scripts', async () => {
    const token = new URL(consoleHandle.url).searchParams.get('token')!;
    await page.goto(consoleHandle.url);
    // first-run is drawn from a real clusters:list answer over the socket
    await page.getByTestId('first-run').waitFor();
    expect(page.url()).not.toContain('token');
    expect(page.url()).toBe(new URL('/', consoleHandle.url).href);
    const visible = (await page.evaluate('({ cookie: document.cookie, session: JSON.stringify(sessionStorage), local: JSON.stringify(localStorage) })')) as { cookie: string; session: string; local: string };
    expect(visible.cookie).not.toContain(token);
    expect(visible.session).not.toContain(token);
    expect(visible.local).not.toContain(token);
    const cookies = await page.context().cookies();
    const port = new URL(consoleHandle.url).port;
    expect(cookies.find((c) => c.name === `keyturn_token_${port}`)).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  });

  it('keeps working after a reload, on the port-scoped cookie alone', async () => {
    await page.reload();
    await page.getByTestId('first-run').waitFor();
    expect(page.url()).not.toContain('token');
  });

  it('refuses a fresh browser that has only the bare address (no token, no cookie)', async () => {
    const other = await browser.newPage();
    const res = await other.goto(new URL('/', consoleHandle.url).href);
    expect(res?.status()).toBe(401);
    await other.close();
  });
});
