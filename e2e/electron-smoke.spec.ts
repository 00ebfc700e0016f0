/**
 * Electron smoke test: the real app window opens on app://keyturn and exposes
 * the frozen preload API. Electron's binary cannot be downloaded on machines
 * without internet access; there this test is skipped and says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';

function electronBinary(): string | null {
  const dir = join(process.cwd(), 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

const bin = electronBinary();
if (!bin) console.warn('[electron-smoke] SKIPPED: Electron binary not installed (node_modules/electron/path.txt missing); browser mode is tested instead.');

describe.skipIf(!bin)('Electron smoke (skipped when the Electron binary is not installed)', () => {
  it('opens the console window with a frozen window.keyturn', async () => {
    await execa('npm', ['run', 'build:electron'], { cwd: process.cwd() });
    const app = await electron.launch({ executablePath: bin!, args: [join(process.cwd(), 'dist', 'electron', 'electron', 'main', 'index.js')] });
    const win = await app.firstWindow();
    expect(win.url()).toMatch(/^app:\/\/keyturn\//);
    const frozen = await win.evaluate(() => Object.isFrozen((globalThis as unknown as { keyturn: object }).keyturn));
    expect(frozen).toBe(true);
    const info = await win.evaluate(async () => (globalThis as unknown as { keyturn: { app: { info: () => Promise<{ ok: boolean; data: { mode: string } }> } } }).keyturn.app.info());
    expect(info).toMatchObject({ ok: true, data: { mode: 'electron' } });
    await app.close();
  });
});
