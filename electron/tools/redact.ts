/**
 * Secret redaction for everything that leaves a tool adapter.
 *
 * Run events and log lines are persisted in the ledger and shown on screen,
 * and tools happily echo what they were given (ansible prints module
 * arguments, terraform prints local-exec commands, curl prints headers). So
 * every line and every event passes through a redactor that knows the
 * secrets of the run and the shapes secrets usually take.
 */

/** What a secret is replaced with. */
export const REDACTED = '***';

declare const redactorBrand: unique symbol;
/**
 * A redactor made by `createRedactor`. Every function that writes to the
 * ledger (events, run and step errors, exports) takes one as a required
 * argument, and the brand means it can only come from here: an identity
 * `(s) => s` does not type-check, so no write path can skip redaction.
 */
export type Redactor = ((text: string) => string) & { readonly [redactorBrand]: true };

/**
 * Secrets shorter than this are masked only where they stand as a whole
 * token (not next to a letter or digit), e.g. `pw` in `password pw`,
 * `"pw"`, `u:pw@h`, but not in `pwd` or `upward`. Replacing a two-letter
 * secret inside every word would turn all output into noise and point at the
 * secret by what it cut; masking it where it stands alone hides every place it
 * appears as a value. Longer secrets are masked wherever they appear.
 */
export const minSubstringSecretLength = 4;

/** Key names whose values are secrets, in `key=value`, `key: value` and JSON form. */
const SECRET_KEY = String.raw`[A-Za-z0-9_.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|private[_-]?key|credentials?)[A-Za-z0-9_.-]*`;
const SECRET_KEY_ONLY = new RegExp(`^${SECRET_KEY}$`, 'i');

const patterns: ReadonlyArray<[RegExp, string | ((...m: string[]) => string)]> = [
  // PEM private keys, whole blocks (also JSON-escaped with literal \n), or from BEGIN to the end of the text.
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, REDACTED],
  // Authorization headers and bare bearer tokens.
  [/\b(Authorization\s*:\s*)(Bearer|Basic|Token|Negotiate|Digest)\s+[^\s"',;]+/gi, (_m, head, scheme) => `${head}${scheme} ${REDACTED}`],
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, (_m, head) => `${head}${REDACTED}`],
  // "client_secret": "..." (JSON, also inside escaped JSON).
  [new RegExp(String.raw`((\\?")${SECRET_KEY}\2\s*:\s*\2)(?:[^"\\]|\\(?!")|\\")*?\2`, 'gi'), (_m, head, quote) => `${head}${REDACTED}${quote}`],
  // password=..., --db-password=..., KC_DB_PASSWORD=..., password: ... (YAML / logs).
  [new RegExp(String.raw`(\b${SECRET_KEY}\s*[=:]\s*)(?:(['"])[^'"\n]*\2|(?!\*\*\*)[^\s'"&,;]+)`, 'gi'), (_m, head, quote) => (quote ? `${head}${quote}${REDACTED}${quote}` : `${head}${REDACTED}`)],
  // TSIG keys in BIND/nsupdate syntax: secret "base64==";
  [/\b(secret\s+)"[^"\n]*"/gi, (_m, head) => `${head}"${REDACTED}"`],
  // User info in URLs: scheme://user:pass@host keeps the user, scheme://token@host hides the token.
  // The authority runs to the last '@' before the path, so a password containing '@' is hidden whole.
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'<>]*(?:@[^\s/?#@"'<>]*)*)@(?=[^\s/?#@"'<>])/gi, (_m, head, userinfo) => {
    const colon = userinfo.indexOf(':');
    return colon >= 0 ? `${head}${userinfo.slice(0, colon)}:${REDACTED}@` : `${head}${REDACTED}@`;
  }],
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms a secret takes in output: as is, JSON-escaped, URL-encoded, and line by line for multi-line secrets (keys streamed one line at a time). */
function variantsOf(secret: string): string[] {
  const out = new Set<string>([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  if (secret.includes('\n')) {
    for (const line of secret.split(/\r?\n/)) {
      const t = line.trim();
      if (t.length >= 16) out.add(t);
    }
  }
  return [...out].filter((v) => v.length > 0);
}

/**
 * Builds the redactor for a run: every non-empty secret (in any of the forms
 * above) and every secret-looking pattern becomes `***`. Longer secrets are
 * replaced first so one secret that contains another is hidden whole.
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const given = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length > 0))];
  const literals = [...new Set(given.filter((s) => s.length >= minSubstringSecretLength).flatMap(variantsOf))].sort((a, b) => b.length - a.length);
  const literalRe = literals.length > 0 ? new RegExp(literals.map(escapeRegExp).join('|'), 'g') : null;
  // Short secrets: whole tokens only (see minSubstringSecretLength).
  const short = [...new Set(given.filter((s) => s.length < minSubstringSecretLength).flatMap(variantsOf))].sort((a, b) => b.length - a.length);
  const shortRe = short.length > 0 ? new RegExp(`(?<![A-Za-z0-9])(?:${short.map(escapeRegExp).join('|')})(?![A-Za-z0-9])`, 'g') : null;
  const redact = (text: string): string => {
    if (text === '') return text;
    let out = literalRe ? text.replace(literalRe, REDACTED) : text;
    if (shortRe) out = out.replace(shortRe, REDACTED);
    for (const [re, replacement] of patterns) {
      out = typeof replacement === 'string' ? out.replace(re, replacement) : out.replace(re, replacement as (...m: string[]) => string);
    }
    return out;
  };
  return redact as Redactor;
}

/**
 * A failure as it may be stored or shown: message, hint and every string in
 * `details` redacted (details carry tool output, commands, per-field input).
 */
export function redactErrorShape<E extends { message: string; hint: string; details?: unknown }>(error: E, redact: Redactor): E {
  const out = { ...error, message: redact(error.message), hint: redact(error.hint) };
  if (error.details !== undefined) out.details = redactDeep(error.details, redact);
  return out;
}

/**
 * Applies a redactor to every string inside a value (event data, parsed tool
 * output), and hides whole values stored under secret-looking keys
 * (`password`, `client_secret`, `private_key`...), which no text pattern can
 * see once the JSON is parsed. Returns a copy; the input is not changed.
 */
export function redactDeep<T>(value: T, redact: (s: string) => string): T {
  return walk(value, redact, 0) as T;
}

function walk(value: unknown, redact: (s: string) => string, depth: number): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => walk(v, redact, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY_ONLY.test(k) && (typeof v === 'string' || typeof v === 'number') && v !== '' ? REDACTED : walk(v, redact, depth + 1);
  }
  return out;
}
