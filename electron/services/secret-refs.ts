/**
 * Secret options exist in the ledger only as references (`{ env }` or
 * `{ file }`). This is the one place they are turned into values, at the
 * moment a process needs them, so a value is never stored, logged or put on a
 * command line: callers pass it to the child's environment (`KC_DB_PASSWORD`)
 * and register it for redaction.
 */
import { readFile } from 'node:fs/promises';
import type { SecretRef } from '../../shared/contract/index.ts';
import { secretEnvName } from '../../shared/domain/start-options.ts';
import { KeyturnError } from '../../shared/errors.ts';

/** Reads one secret; `what` names it in errors (e.g. `keycloak.secretOptions.db-password`). */
export async function resolveSecretRef(ref: SecretRef, what: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') {
      throw new KeyturnError('not-found', `${what} is read from the environment variable ${ref.env}, which is not set.`, `Export ${ref.env} in the environment Keyturn runs in, or point ${what} at a file ({ file: /path }).`);
    }
    return value;
  }
  let text: string;
  try {
    text = await readFile(ref.file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    throw new KeyturnError('not-found', `${what} is read from ${ref.file}, which cannot be read (${code}).`, `Check that ${ref.file} exists and that the user running Keyturn may read it.`);
  }
  // Files written by editors or `echo` end with a newline that is not part of the secret.
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new KeyturnError('not-found', `${what} is read from ${ref.file}, which is empty.`, `Write the secret into ${ref.file}.`);
  if (/[\r\n]/.test(value)) throw new KeyturnError('invalid-input', `${what} in ${ref.file} spans several lines.`, 'A Keycloak option value is one line; keep only the secret in the file.');
  return value;
}

/**
 * Resolves every secret option into the environment variables Keycloak reads
 * them from (`db-password` -> `KC_DB_PASSWORD`), plus the values for redaction.
 */
export async function secretOptionEnv(secretOptions: Readonly<Record<string, SecretRef>>): Promise<{ env: Record<string, string>; values: string[] }> {
  const env: Record<string, string> = {};
  for (const [key, ref] of Object.entries(secretOptions)) {
    env[secretEnvName(key)] = await resolveSecretRef(ref, `keycloak.secretOptions.${key}`);
  }
  return { env, values: Object.values(env) };
}
