/** The product version, read once from package.json (works from source and from the built app). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function appVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'keyturn' && pkg.version) return (cached = pkg.version);
    } catch {
      // keep climbing
    }
    dir = dirname(dir);
  }
  return (cached = '0.0.0');
}

/** The repository/app root (where package.json and resources/ live). */
export function appRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'keyturn') return dir;
    } catch {
      // keep climbing
    }
    dir = dirname(dir);
  }
  throw new Error('Cannot locate the Keyturn installation root (package.json).');
}
