/**
 * Electron hardening that applies to every window: no navigation away from
 * the app, no new windows, no permission grants, strict CSP on app:// pages.
 * The decisions themselves are the pure functions of electron/guards/window-guards.ts (unit-tested
 * in plain Node); this file only wires them to Electron's events.
 */
import { app, session, shell } from 'electron';
import { allowNavigation, windowOpenDecision } from '../guards/window-guards.ts';

export const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export function applySecurityPolicies(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!allowNavigation(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!allowNavigation(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Nothing opens inside Keyturn; an allow-listed documentation link opens in the system browser.
      const decision = windowOpenDecision(url);
      if (decision.openExternal) void shell.openExternal(decision.openExternal);
      return { action: decision.action };
    });
  });
}
