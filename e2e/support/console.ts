/**
 * Starts the real console in browser mode (`node bin/start.js --browser`, the
 * path `npm start` takes on a machine without Electron's binary) with its own
 * KEYTURN_HOME, and Debian's Chromium through playwright-core.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const artifactsDir = join(process.cwd(), 'e2e', 'artifacts');

export interface ConsoleHandle {
  url: string;
  home: string;
  process: ResultPromise;
  stop(): Promise<void>;
}

/** Launches browser mode and resolves with the URL it printed. */
export async function startConsole(home = mkdtempSync(join(tmpdir(), 'keyturn-e2e-'))): Promise<ConsoleHandle> {
  const child = execa(process.execPath, [join(process.cwd(), 'bin', 'start.js'), '--browser'], {
    env: { KEYTURN_HOME: home },
    reject: false,
    buffer: false,
  });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`browser mode printed no URL within 60 s:\n${seen}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      const m = /Keyturn console: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (seen += d.toString()));
    void child.then(() => reject(new Error(`browser mode exited early:\n${seen}`)));
  });
  return {
    url,
    home,
    process: child,
    async stop() {
      child.kill('SIGTERM');
      await child;
    },
  };
}

/** Debian's Chromium, headless, with the flags this closed network needs. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.KEYTURN_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Saves a screenshot under e2e/artifacts (kept by CI as a test artifact). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export function removeHome(home: string): void {
  rmSync(home, { recursive: true, force: true });
}
