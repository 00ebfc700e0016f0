/** Serves the built renderer from one directory, never outside it. */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Resolves a URL path to a file under `root`, or null if it escapes or doesn't exist. */
export async function resolveStatic(root: string, urlPath: string): Promise<{ file: string; type: string } | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = normalize(join(root, rel));
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  try {
    const st = await stat(file);
    if (!st.isFile()) return null;
  } catch {
    return null;
  }
  return { file, type: types[extname(file)] ?? 'application/octet-stream' };
}

export const readStatic = (file: string): Promise<Buffer> => readFile(file);
