/**
 * The window guards with Node's real WHATWG URL parser (the one Electron's
 * main process uses): our own pages pass, everything else is refused. This is
 * the test that would have caught `origin === 'app://keyturn'` refusing every
 * call (Node says `new URL('app://keyturn/x').origin === 'null'`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allowNavigation, appOrigin, externalUrlToOpen, isAppUrl, isTrustedSender, resolveAppPath, windowOpenDecision } from './window-guards.ts';

const own = [`${appOrigin}/index.html`, `${appOrigin}/`, `${appOrigin}`, `${appOrigin}/assets/index-B3x_9.js`, `${appOrigin}/index.html?x=1#/clusters/acme-prod`];

const foreign = [
  'app://evil/index.html',
  'app://keyturn.evil/index.html',
  'app://keyturn.example/index.html',
  'app://keyturn@evil/index.html',
  'app://user:pw@keyturn/index.html',
  'app://keyturn:80/index.html',
  'app://KEYTURN/index.html',
  'app://keyturm/index.html',
  'app://xn--keyturn-/index.html',
  'app:keyturn/index.html',
  'app:///keyturn/index.html',
  'apps://keyturn/index.html',
  'file:///etc/passwd',
  'file://keyturn/index.html',
  'http://127.0.0.1/index.html',
  'http://keyturn/index.html',
  'https://keyturn/index.html',
  'data:text/html,<script>alert(1)</script>',
  'javascript:alert(1)',
  'about:blank',
  'blob:app://keyturn/0b2e7c2c',
  'app://keyturn/../../etc/passwd',
  'app://keyturn/%2e%2e/%2e%2e/etc/passwd',
  'app://keyturn/%2E%2E/etc/passwd',
  'app://keyturn/.%2e/etc/passwd',
  'app://keyturn/assets/..%2f..%2fetc%2fpasswd',
  'app://keyturn/assets%5c..%5c..%5cetc',
  'app://keyturn/index.html%00.png',
  'not a url',
  '',
];

describe('isAppUrl (Node URL parser)', () => {
  it('relies on protocol and host, because Node gives a non-special scheme the origin "null"', () => {
    expect(new URL(`${appOrigin}/index.html`).origin).toBe('null');
  });

  it.each(own)('accepts our own page %s', (url) => {
    expect(isAppUrl(url)).toBe(true);
    expect(allowNavigation(url)).toBe(true);
  });

  it.each(foreign)('refuses %s', (url) => {
    expect(isAppUrl(url)).toBe(false);
    expect(allowNavigation(url)).toBe(false);
  });

  it('refuses non-strings and absurd lengths', () => {
    expect(isAppUrl(undefined as unknown as string)).toBe(false);
    expect(isAppUrl(`${appOrigin}/${'a'.repeat(10_000)}`)).toBe(false);
  });
});

describe('isTrustedSender', () => {
  const ours = { url: `${appOrigin}/index.html` };
  it('accepts the main frame of our window showing our page', () => {
    expect(isTrustedSender(ours, (f) => f === ours)).toBe(true);
  });
  it('refuses a missing frame, a frame that is not our main frame, and our frame after it navigated away', () => {
    expect(isTrustedSender(null, () => true)).toBe(false);
    expect(isTrustedSender(undefined, () => true)).toBe(false);
    expect(isTrustedSender({ url: `${appOrigin}/index.html` }, () => false)).toBe(false);
    for (const url of foreign) expect(isTrustedSender({ url }, () => true)).toBe(false);
  });
});

describe('external links (shell.openExternal)', () => {
  it('opens https links to the documentation hosts, normalised', () => {
    expect(externalUrlToOpen('https://www.keycloak.org/server/upgrading')).toBe('https://www.keycloak.org/server/upgrading');
    expect(externalUrlToOpen('https://WWW.KEYCLOAK.ORG/docs/latest')).toBe('https://www.keycloak.org/docs/latest');
    expect(windowOpenDecision('https://www.keycloak.org/guides')).toEqual({ action: 'deny', openExternal: 'https://www.keycloak.org/guides' });
  });

  it.each([
    'https://evil.example/',
    'https://www.keycloak.org.evil.example/',
    'https://www.keycloak.org@evil.example/',
    'https://user:pw@www.keycloak.org/',
    'https://www.keycloak.org:8443/',
    'http://www.keycloak.org/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,x',
    'ms-settings:',
    'app://keyturn/index.html',
    'keycloak.org',
    '',
  ])('never opens %s and never opens a window', (url) => {
    expect(externalUrlToOpen(url)).toBeNull();
    expect(windowOpenDecision(url)).toEqual({ action: 'deny', openExternal: null });
  });
});

describe('resolveAppPath (app:// protocol handler)', () => {
  const root = mkdtempSync(join(tmpdir(), 'keyturn-guards-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  it('maps our pages into the renderer directory', () => {
    expect(resolveAppPath(root, `${appOrigin}/`)).toBe(join(root, 'index.html'));
    expect(resolveAppPath(root, `${appOrigin}`)).toBe(join(root, 'index.html'));
    expect(resolveAppPath(root, `${appOrigin}/assets/app.js?v=1`)).toBe(join(root, 'assets', 'app.js'));
    expect(resolveAppPath(`${root}/`, `${appOrigin}/index.html`)).toBe(join(root, 'index.html'));
  });

  it.each([...foreign, 'app://keyturn/%E0%A4%A', 'app://keyturn/a/%2e%2e/%2e%2e/%2e%2e/etc/passwd'])('resolves nothing for %s', (url) => {
    expect(resolveAppPath(root, url)).toBeNull();
  });
});
