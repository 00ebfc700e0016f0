/**
 * Serves the built renderer on `app://keyturn/` rather than file://, so the
 * page has a real scheme and host the IPC sender check can compare, and a CSP
 * header. Which file a request maps to is decided by `resolveAppPath`
 * (electron/guards/window-guards.ts, unit-tested in Node): never outside the renderer directory.
 */
import { net, protocol } from 'electron';
import { pathToFileURL } from 'node:url';
import { appScheme, resolveAppPath } from '../guards/window-guards.ts';
import { contentSecurityPolicy } from './security.ts';

export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function serveRenderer(root: string): void {
  protocol.handle(appScheme, async (request) => {
    const file = resolveAppPath(root, request.url);
    if (!file) return new Response('Not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('content-security-policy', contentSecurityPolicy);
    headers.set('x-content-type-options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}
