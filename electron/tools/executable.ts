/**
 * Finding programs the way a shell does. Shared by the process runner (which
 * must know a program exists before wrapping it in setpriv) and the toolchain
 * screen (which also looks in sbin and versioned PostgreSQL directories).
 */
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** `command` as a path: itself if it contains a slash, else the first match on `searchPath`, then in `extraDirs`. */
export async function findExecutable(command: string, extraDirs: readonly string[] = [], searchPath: string = process.env['PATH'] ?? ''): Promise<string | null> {
  if (command.includes('/')) return (await isExecutable(command)) ? command : null;
  for (const dir of [...searchPath.split(delimiter).filter(Boolean), ...extraDirs]) {
    const candidate = join(dir, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}
