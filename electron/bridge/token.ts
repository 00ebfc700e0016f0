/** The per-launch access token of browser mode, compared in constant time. */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const newToken = (): string => randomBytes(32).toString('base64url');

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Reads the token from `?token=` or from the `keyturn_token` cookie set on the first authorised page load. */
export function tokenFromRequest(url: URL, cookieHeader: string | undefined): string | null {
  const q = url.searchParams.get('token');
  if (q) return q;
  for (const part of (cookieHeader ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === 'keyturn_token') return decodeURIComponent(v.join('='));
  }
  return null;
}
