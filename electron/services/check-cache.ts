/**
 * Answers of `kc.sh update-compatibility check`, kept by what decides them:
 * the target distribution (sha256), the metadata file (sha256), the options
 * passed, the names of the secret options (their values travel in the
 * environment and are not compared by the check; they are never written
 * here, not even hashed) and the JDK. The check is a pure function of these,
 * so an identical check (the wizard's pre-flight, then the upgrade that
 * re-checks before it starts) is answered from here instead of starting a
 * JVM again. Only verdicts are kept (exit 0, 3, 4); an error always re-runs.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CheckOutcome } from '../tools/kcsh.ts';

export interface CheckKeyInput {
  distributionSha256: string;
  metadataSha256: string;
  options: Record<string, string>;
  secretOptionNames: string[];
  javaHome: string;
}

const entrySchema = z.object({
  exitCode: z.union([z.literal(0), z.literal(3), z.literal(4)]),
  verdict: z.enum(['rolling', 'recreate', 'rolling-disabled']),
  output: z.string(),
  durationMs: z.number(),
  command: z.array(z.string()),
  answeredAt: z.string(),
});

export type CachedCheck = z.infer<typeof entrySchema>;

/** Stable across option order; versioned so a change of what goes in never matches an old entry. */
export function checkKey(input: CheckKeyInput): string {
  const options = Object.keys(input.options).sort().map((k) => [k, input.options[k]]);
  const text = JSON.stringify({ v: 1, dist: input.distributionSha256, metadata: input.metadataSha256, options, secrets: [...input.secretOptionNames].sort(), java: input.javaHome });
  return createHash('sha256').update(text).digest('hex');
}

const fileOf = (root: string, key: string) => join(root, 'check-answers', `${key}.json`);

/** The earlier answer of an identical check, or null (none, unreadable, or not a verdict). */
export async function cachedCheck(root: string, key: string): Promise<CachedCheck | null> {
  const text = await readFile(fileOf(root, key), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const parsed = entrySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Keeps a verdict (written whole, then renamed, so a reader never sees half a file); errors are not kept. */
export async function rememberCheck(root: string, key: string, outcome: Pick<CheckOutcome, 'exitCode' | 'verdict' | 'output' | 'durationMs' | 'command'>): Promise<void> {
  const entry = { exitCode: outcome.exitCode, verdict: outcome.verdict, output: outcome.output, durationMs: outcome.durationMs, command: outcome.command, answeredAt: new Date().toISOString() };
  if (!entrySchema.safeParse(entry).success) return;
  const file = fileOf(root, key);
  await mkdir(join(root, 'check-answers'), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(entry), { mode: 0o600 });
  await rename(tmp, file);
}
