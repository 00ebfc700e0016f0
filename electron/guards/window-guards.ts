/**
 * The Electron window's trust decisions as pure functions, with no `electron`
 * import, so they run (and are unit-tested) in plain Node with the same WHATWG
 * URL parser the main process uses.
 *
 * Why not `new URL(x).origin === 'app://keyturn'`: for a scheme the URL
 * standard does not know (`app:` is "non-special"), Node gives the origin
 * `'null'`, so that comparison refuses everything, our own window included.
 * Every decision here compares protocol, host, credentials and path instead.
 */
import { join, normalize, sep } from 'node:path';

export const appScheme = 'app';
export const appHost = 'keyturn';
/** Where the console is loaded from (`win.loadURL(`${appOrigin}/index.html`)`). */
export const appOrigin = `${appScheme}://${appHost}`;

/**
 * Hosts the console may open in the system browser (item 8 of issue 10): the
 * Keycloak documentation that hints and help texts point to. Anything else a
 * page asks for is dropped, so a compromised page cannot launch arbitrary
 * URLs (or `file:`/custom-scheme handlers) on the operator's machine.
 */
export const externalDocumentationHosts: readonly string[] = ['www.keycloak.org'];

/** Dot segments, encoded separators, backslashes and NULs: none of our pages has them, so a URL with one is refused outright. */
const suspiciousPath = /(^|[/\\])(\.|%2e){1,2}([/\\?#]|$)|%2f|%5c|\\|%00|\0/i;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The path part of a raw URL string, before the parser removed dot segments. */
function rawPath(url: string): string {
  const afterScheme = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  return afterScheme.split(/[?#]/, 1)[0] ?? '';
}

/**
 * True for a page of the console itself: `app://keyturn/<path>`, exact host,
 * no port, no user info, and a path without traversal tricks (checked on the
 * raw string, because the parser silently folds `..` and `%2e%2e` away).
 */
export function isAppUrl(url: string): boolean {
  if (typeof url !== 'string' || url.length > 8192) return false;
  const u = parse(url);
  if (!u) return false;
  if (u.protocol !== `${appScheme}:` || u.host !== appHost || u.hostname !== appHost || u.port !== '') return false;
  if (u.username !== '' || u.password !== '') return false;
  return !suspiciousPath.test(rawPath(url));
}

/**
 * The IPC sender check: the message must come from a frame that shows our UI
 * and is the main frame of one of our windows (`isOurMainFrame`, which only
 * Electron can answer). No frame (a destroyed one) is refused.
 */
export function isTrustedSender<F extends { url: string }>(frame: F | null | undefined, isOurMainFrame: (frame: F) => boolean): boolean {
  if (!frame) return false;
  return isAppUrl(frame.url) && isOurMainFrame(frame);
}

/** `will-navigate` and `will-redirect`: only to another page of the console. */
export function allowNavigation(url: string): boolean {
  return isAppUrl(url);
}

/**
 * The URL to hand to the system browser, or null: https only, a host on the
 * allow-list, default port, no user info. Returns the normalised href, so what
 * is opened is exactly what was checked.
 */
export function externalUrlToOpen(url: string, hosts: readonly string[] = externalDocumentationHosts): string | null {
  if (typeof url !== 'string' || url.length > 2048) return null;
  const u = parse(url);
  if (!u) return null;
  if (u.protocol !== 'https:' || u.port !== '' || u.username !== '' || u.password !== '') return null;
  if (!hosts.includes(u.hostname)) return null;
  return u.href;
}

/**
 * `setWindowOpenHandler`: nothing ever opens inside Keyturn; an allowed
 * documentation link goes to the system browser.
 */
export function windowOpenDecision(url: string): { action: 'deny'; openExternal: string | null } {
  return { action: 'deny', openExternal: externalUrlToOpen(url) };
}

/**
 * Maps an `app://keyturn/...` request to a file under `root` (the built
 * renderer), or null when the request is not ours, is malformed, or would
 * leave `root` (`..`, encoded `%2e%2e`/`%2f`, backslashes, NULs).
 */
export function resolveAppPath(root: string, requestUrl: string): string | null {
  if (!isAppUrl(requestUrl)) return null;
  const u = new URL(requestUrl);
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname === '/' || u.pathname === '' ? '/index.html' : u.pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').includes('..')) return null;
  const base = normalize(root).replace(/[/\\]+$/, '');
  const file = normalize(join(base, rel));
  return file.startsWith(base + sep) ? file : null;
}
