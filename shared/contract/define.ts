/**
 * How a call is declared. One object per channel holds the input schema, the
 * output schema and the error codes it may return, so main (which validates),
 * preload and the browser bridge (which forward) and the renderer (which
 * types its hooks) all read the same definition.
 */
import type { z } from 'zod';
import type { ErrorCode, KeyturnErrorShape } from '../errors.ts';

export interface CallDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** Error codes this call is expected to return besides `invalid-input` and `internal`. */
  errors: readonly ErrorCode[];
  /** One line for docs and the toolchain of tests: what the call is for. */
  summary: string;
}

/** Identity helper that keeps literal types while checking the shape. */
export function defineCall<I extends z.ZodType, O extends z.ZodType>(def: CallDef<I, O>): CallDef<I, O> {
  return def;
}

/** The reply envelope every call returns (learned from Beekeeper Studio's reply envelope). */
export type Envelope<T> = { ok: true; data: T } | { ok: false; error: KeyturnErrorShape };
