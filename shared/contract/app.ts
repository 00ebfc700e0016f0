/** Facts about the running console itself. */
import { z } from 'zod';
import { defineCall } from './define.ts';
import { emptyInput } from './common.ts';

export const appInfoSchema = z.strictObject({
  version: z.string(),
  mode: z.enum(['electron', 'browser']),
  home: z.string(),
  ledgerPath: z.string(),
  schemaVersion: z.number().int(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const appCalls = {
  'app:info': defineCall({
    summary: 'Version, transport mode, data directory and ledger schema version.',
    input: emptyInput,
    output: appInfoSchema,
    errors: [],
  }),
} as const;
