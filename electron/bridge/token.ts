/**
 * The per-launch access token of browser mode. Holding it amounts to running
 * playbooks on the operator's machine, so it is long, compared in constant
 * time, and kept in a cookie scoped (by name) to this launch's port.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { KeyturnError } from '../../shared/errors.ts';

/** The shortest token accepted from `KEYTURN_TOKEN` (a generated one has 43 characters of base64url, 32 random bytes). */
export const minTokenBytes = 32;
const maxTokenBytes = 512;

export const newToken = (): string => randomBytes(32).toString('base64url');

/**
 * Refuses a token an attacker could guess or one that cannot travel in a URL
 * or cookie as is: shorter than 32 bytes, longer than 512, or with characters
 * outside the URL-safe set.
 */
export function assertUsableToken(token: string): void {
  const bytes = Buffer.byteLength(token, 'utf8');
  if (bytes < minTokenBytes) {
    throw new KeyturnError('invalid-input', `KEYTURN_TOKEN is ${bytes} bytes long; browser mode needs at least ${minTokenBytes}.`,
      'Unset KEYTURN_TOKEN to get a random token per launch, or set one of at least 32 characters (e.g. `openssl rand -base64 32 | tr "+/" "-_"`).');
  }
  if (bytes > maxTokenBytes || !/^[A-Za-z0-9._~=-]+$/.test(token)) {
    throw new KeyturnError('invalid-input', `KEYTURN_TOKEN must be ${minTokenBytes}-${maxTokenBytes} URL-safe characters (letters, digits, - _ . ~ =).`,
      'Unset KEYTURN_TOKEN to get a random token per launch, or set a base64url string.');
  }
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The cookie that carries the token for the page's own assets and socket.
 * Browsers do not scope cookies by port, so two consoles on one host (or
 * another local web app) would share a plain `keyturn_token`: the port in
 * the name keeps each launch's cookie to itself.
 */
export const tokenCookieName = (port: number): string => `keyturn_token_${port}`;

/** Reads the token from `?token=` or from this port's cookie set on the first authorised page load. */
export function tokenFromRequest(url: URL, cookieHeader: string | undefined, port: number): string | null {
  const q = url.searchParams.get('token');
  if (q) return q;
  const name = tokenCookieName(port);
  for (const part of (cookieHeader ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) {
      try {
        return decodeURIComponent(v.join('='));
      } catch {
        return null;
      }
    }
  }
  return null;
}
