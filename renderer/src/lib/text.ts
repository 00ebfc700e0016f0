/**
 * Joining sentences that come from main (plan reasons, strategy texts),
 * which may or may not end with a full stop: the console must not print
 * "changes.. Keycloak" at 3 a.m. any more than it prints a typo.
 */

/** `s` trimmed, ending with exactly one full stop (or its own ? / !). */
export function sentence(s: string): string {
  const t = s.trim().replace(/\.+$/, '');
  if (t === '') return '';
  return /[?!]$/.test(t) ? t : `${t}.`;
}

/** Sentences joined with single spaces, each properly ended; empty ones dropped. */
export function sentences(...parts: (string | null | undefined)[]): string {
  return parts
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map(sentence)
    .join(' ');
}

/** `s` without its trailing full stops, to continue a sentence after it. */
export function clause(s: string): string {
  return s.trim().replace(/\.+$/, '');
}
