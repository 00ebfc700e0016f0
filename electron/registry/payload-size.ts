/**
 * How big a call's input is, measured before any schema parsing so an
 * oversized or pathological payload (a 100 MB string, a million-key object, a
 * cycle, 10 000 levels of nesting) is refused cheaply instead of being walked
 * by zod. IPC hands main a structured clone, so this cannot rely on a JSON
 * string; it walks the value and stops as soon as the answer is known.
 */

export type PayloadVerdict = { ok: true; bytes: number } | { ok: false; reason: 'too-large' | 'too-deep' | 'not-json'; bytes: number };

/** Nesting no legitimate input comes near (a cluster spec is about 5 deep). */
export const maxPayloadDepth = 64;

/**
 * Approximates the JSON size of `value` in bytes (UTF-16 code units for
 * strings, which is at least their UTF-8 size for ASCII and close otherwise)
 * and stops at `limit`. Binary buffers count their byte length. A shared
 * reference counts each time it is reached (as JSON would print it), so a
 * cycle ends as `too-deep` and a "billion laughs" of shared objects as
 * `too-large`, without a visited set.
 *
 * Anything JSON cannot carry (a Date, Map, Set, typed array, class instance,
 * function, symbol, BigInt: structured clone over IPC can) is `not-json`, so
 * IPC accepts exactly what the browser bridge can receive. Zod alone would
 * take a Date as an empty object.
 */
export function measurePayload(value: unknown, limit: number): PayloadVerdict {
  let bytes = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > maxPayloadDepth) return { ok: false, reason: 'too-deep', bytes };
    if (typeof v === 'string') bytes += v.length + 2;
    else if (v === null || v === undefined || typeof v === 'boolean') bytes += 5;
    else if (typeof v === 'number') bytes += 24;
    else if (typeof v === 'object') {
      bytes += 2;
      if (Array.isArray(v)) {
        bytes += v.length;
        if (bytes > limit) return { ok: false, reason: 'too-large', bytes };
        for (const x of v) stack.push([x, depth + 1]);
      } else {
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto !== Object.prototype && proto !== null) return { ok: false, reason: 'not-json', bytes };
        const keys = Object.keys(v);
        for (const k of keys) {
          bytes += k.length + 4;
          if (bytes > limit) return { ok: false, reason: 'too-large', bytes };
          stack.push([(v as Record<string, unknown>)[k], depth + 1]);
        }
      }
    } else return { ok: false, reason: 'not-json', bytes }; // functions, symbols, BigInt
    if (bytes > limit) return { ok: false, reason: 'too-large', bytes };
  }
  return { ok: true, bytes };
}
