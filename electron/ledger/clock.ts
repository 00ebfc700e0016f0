/** One place for time and ids so the ledger's timestamps are uniform (ISO-8601 UTC). */
import { randomUUID } from 'node:crypto';

export const nowIso = (): string => new Date().toISOString();
export const newId = (): string => randomUUID();
