/**
 * Typed errors shared by main, the CLI and the renderer.
 *
 * Every failure that can reach a person carries a stable `code` (for tests,
 * exit codes and i18n), a `message` naming what is wrong, and a `hint` saying
 * how to fix it. Throwing plain `Error`s across the contract boundary loses
 * that, so services throw `KeyturnError` and the registry turns anything else
 * into `internal`.
 */

/** Every error code the product can return. Keep in sync with `exitCodeFor`. */
export const errorCodes = [
  'invalid-input',
  'not-found',
  'conflict',
  'ledger-newer',
  'ledger-corrupt',
  'locked',
  'unauthorized',
  'unknown-channel',
  'tool-missing',
  'tool-failed',
  'ssh-failed',
  'host-key-mismatch',
  'host-key-unconfirmed',
  'artifact-failed',
  'lab-failed',
  'timeout',
  'aborted',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** The serialisable shape of an error, as it crosses IPC, WebSocket or `--json` output. */
export interface KeyturnErrorShape {
  code: ErrorCode;
  message: string;
  hint: string;
  /** Optional machine-readable detail (e.g. per-field issues of a form). */
  details?: unknown;
}

/** An error a person can act on: what went wrong and how to fix it. */
export class KeyturnError extends Error implements KeyturnErrorShape {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, hint: string, details?: unknown) {
    super(message);
    this.name = 'KeyturnError';
    this.code = code;
    this.hint = hint;
    if (details !== undefined) this.details = details;
  }

  toJSON(): KeyturnErrorShape {
    const shape: KeyturnErrorShape = { code: this.code, message: this.message, hint: this.hint };
    if (this.details !== undefined) shape.details = this.details;
    return shape;
  }
}

/** Normalises anything thrown into a `KeyturnErrorShape` without leaking stack traces. */
export function toErrorShape(err: unknown): KeyturnErrorShape {
  if (err instanceof KeyturnError) return err.toJSON();
  if (isErrorShape(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 'internal',
    message: `Unexpected failure: ${message}`,
    hint: 'This is a bug in Keyturn. The run log and ledger are intact; please report it with the message above.',
  };
}

function isErrorShape(v: unknown): v is KeyturnErrorShape {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.code === 'string' && (errorCodes as readonly string[]).includes(o.code) && typeof o.message === 'string' && typeof o.hint === 'string';
}

/**
 * CLI exit codes, documented in the README. Scripts branch on these, so they
 * never change meaning once released.
 */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid-input':
    case 'unknown-channel':
      return 2;
    case 'not-found':
      return 3;
    case 'conflict':
    case 'locked':
      return 4;
    case 'ledger-newer':
    case 'ledger-corrupt':
      return 5;
    case 'tool-missing':
      return 6;
    case 'tool-failed':
    case 'ssh-failed':
    case 'host-key-mismatch':
    case 'host-key-unconfirmed':
    case 'artifact-failed':
    case 'lab-failed':
    case 'timeout':
    case 'aborted':
      return 7;
    case 'unauthorized':
    case 'internal':
      return 1;
  }
}
