/**
 * Builds the renderer. The output is loaded by Electron from the custom
 * `app://` protocol and served by the browser-mode bridge at `/`, so every
 * asset URL must be relative (`base: './'`).
 */
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The production CSP in `renderer/index.html` forbids inline scripts and
 * styles. Vite's dev server needs both (React Fast Refresh preamble, CSS
 * injected as <style>) plus its HMR socket, so only `vite serve` relaxes the
 * policy. Built files keep the strict one untouched.
 */
function devCsp(): Plugin {
  return {
    name: 'keyturn-dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html
        .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        .replace("connect-src 'self'", "connect-src 'self' ws: http:");
    },
  };
}

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react(), devCsp()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // Electron 45 ships a current Chromium; no need to down-level.
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    host: '127.0.0.1',
  },
});
