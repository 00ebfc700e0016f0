/**
 * Secret variables for a CLI tool, handed over in a file instead of argv.
 *
 * Why: argv is world-readable in /proc and shows up in `ps`, while ansible's
 * `-e @file` and terraform's `-var-file=` read the same values from a file.
 * The file lives in its own mkdtemp directory with mode 0600 and is removed
 * when the command ends, whether it succeeded, failed or was cancelled.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the file goes: `prefix` names the temp directory (`keyturn-ansible-`), `fileName` the file in it. */
export interface PrivateJsonFileOptions {
  prefix: string;
  fileName: string;
}

/**
 * Writes `data` as JSON to a private temp file, runs `use` with its path, and
 * removes it afterwards. With `data` undefined (or null) no file is made and
 * `use` gets undefined, so callers with optional secrets keep one code path.
 */
export async function withPrivateJsonFile<T>(data: unknown, { prefix, fileName }: PrivateJsonFileOptions, use: (path: string | undefined) => Promise<T>): Promise<T> {
  if (data === undefined || data === null) return use(undefined);
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    const path = join(dir, fileName);
    await writeFile(path, JSON.stringify(data), { mode: 0o600 });
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
