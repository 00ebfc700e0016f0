/** The external programs Keyturn drives, and whether this machine has them. */
import { z } from 'zod';
import { defineCall } from './define.ts';
import { emptyInput } from './common.ts';

export const toolStatusSchema = z.strictObject({
  name: z.string(),
  found: z.boolean(),
  version: z.string().nullable(),
  path: z.string().nullable(),
  /** Why Keyturn needs it, in the words an operator uses. */
  purpose: z.string(),
  /** Debian package that provides it, for `lab doctor --install`. */
  debianPackage: z.string().nullable(),
});
export type ToolStatus = z.infer<typeof toolStatusSchema>;

export const toolchainCalls = {
  'toolchain:status': defineCall({
    summary: 'terraform, ansible-playbook, ssh, java, pg_dump, nsupdate...: found or missing, version, why it matters.',
    input: emptyInput,
    output: z.array(toolStatusSchema),
    errors: [],
  }),
} as const;
