/**
 * Turns anything a query or mutation threw into the three things an operator
 * needs: a code to search for, what is wrong, and how to fix it. Contract
 * errors already carry all three; anything else is a bug or a lost bridge.
 */
import { CallError } from '../api/client.ts';

/** What the UI shows for one failure. */
export interface ErrorInfo {
  code: string;
  message: string;
  hint: string;
}

/** Normalises a thrown value for display. */
export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof CallError) return { code: err.code, message: err.message, hint: err.hint };
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 'internal',
    message: `Unexpected failure in the console: ${message}`,
    hint: 'Retry. If it persists, reload the window; the ledger holds everything, nothing is lost.',
  };
}
