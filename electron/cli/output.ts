/**
 * How the CLI speaks: tables for people, `--json` for scripts, errors with a
 * hint on stderr, and exit codes that say what kind of failure it was.
 */
import { exitCodeFor, toErrorShape, type KeyturnErrorShape } from '../../shared/errors.ts';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const processIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

/** Prints rows as an aligned text table. */
export function table(io: Io, headers: string[], rows: (string | number | null | undefined)[][]): void {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  io.out(`${line(headers)}\n`);
  for (const r of cells) io.out(`${line(r)}\n`);
}

export function printJson(io: Io, v: unknown): void {
  io.out(`${JSON.stringify(v, null, 2)}\n`);
}

/** Reports an error and returns the exit code for it. */
export function reportError(io: Io, err: unknown, json: boolean): number {
  const e: KeyturnErrorShape = toErrorShape(err);
  if (json) printJson(io, { error: e });
  else io.err(`keyturn: ${e.message}\n  hint: ${e.hint}\n`);
  return exitCodeFor(e.code);
}
