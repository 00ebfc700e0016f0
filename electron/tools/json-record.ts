/**
 * Reading untyped JSON from tool output (ansible's jsonl callback, terraform's
 * `-json` UI stream and `output -json`).
 *
 * Why these and not a schema: the tools add fields between versions and we
 * only pick out a few, so a missing or odd field must read as "absent", never
 * throw in the middle of a run.
 */

/** The object a line holds, or null when it is not a JSON object (plain log text, arrays, broken JSON). */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) return null;
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return null;
  }
}

/** `v` as a plain object, or null for anything else (including arrays and null). */
export function asRecord(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** `v` when it is a number, else 0: counters in recaps and change summaries that a tool may leave out. */
export function numberOrZero(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}
