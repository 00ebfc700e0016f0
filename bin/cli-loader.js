// Loads the `keyturn` command's TypeScript sources fast.
//
// Every command used to start through tsx, which compiles and resolves ~170
// modules one by one: about 2 s and 1.8 s of CPU before the command did
// anything. An SRE types many commands, and the test suite runs hundreds.
// So the sources are bundled once with esbuild (tsx's own compiler, already
// installed) into <root>/.cache/keyturn-cli/, with a manifest of every input
// file's size and modification time. A command starts from the bundle when
// every input is unchanged, rebuilds it first when one changed (about half
// a second), and falls back to tsx when a bundle cannot be built or written.
// Packages stay external: they load from node_modules as before.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const MANIFEST_VERSION = 1;

/** Size and mtime of one input, or null when it is gone. */
function stamp(file) {
  try {
    const s = statSync(file);
    return [s.size, s.mtimeMs];
  } catch {
    return null;
  }
}

/** True when the manifest names the same entry and every input is unchanged. */
function isFresh(root, manifestFile, entry) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch {
    return false;
  }
  if (manifest.version !== MANIFEST_VERSION || manifest.entry !== entry) return false;
  for (const [file, expected] of Object.entries(manifest.inputs ?? {})) {
    const now = stamp(join(root, file));
    if (!now || now[0] !== expected[0] || now[1] !== expected[1]) return false;
  }
  return true;
}

/**
 * Builds `entry` (relative to `root`) into `bundleFile` and writes the
 * manifest. Both land by rename, so a concurrent command never reads half
 * a file; two commands building at once write the same bytes.
 */
async function build(root, entry, bundleFile, manifestFile) {
  const { build: esbuild } = await import('esbuild');
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    metafile: true,
    write: false,
    logLevel: 'silent',
    outfile: bundleFile,
  });
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = relative(root, resolve(root, input));
    const s = stamp(join(root, file));
    if (s) inputs[file] = s;
  }
  const tmp = `.${process.pid}.${Date.now()}.tmp`;
  mkdirSync(join(bundleFile, '..'), { recursive: true });
  writeFileSync(bundleFile + tmp, result.outputFiles[0].contents);
  renameSync(bundleFile + tmp, bundleFile);
  writeFileSync(manifestFile + tmp, JSON.stringify({ version: MANIFEST_VERSION, entry, inputs }));
  renameSync(manifestFile + tmp, manifestFile);
}

/**
 * The module at `entry` (a path relative to `root`, e.g.
 * `electron/cli/main.ts`): from the bundle when it is current, rebuilt when
 * not, through tsx when bundling is impossible here (no esbuild, a
 * read-only install) or KEYTURN_CLI_FROM_SOURCE=1 asks for it.
 * `onFallback` hears why tsx was used.
 */
export async function loadCliModule(root, entry, { onFallback } = {}) {
  const fromSource = async (why) => {
    onFallback?.(why);
    const { register } = await import('tsx/esm/api');
    register();
    return import(pathToFileURL(join(root, entry)).href);
  };
  if (process.env.KEYTURN_CLI_FROM_SOURCE === '1') return fromSource('KEYTURN_CLI_FROM_SOURCE=1');
  const dir = join(root, '.cache', 'keyturn-cli');
  const name = entry.replace(/[^A-Za-z0-9]+/g, '-');
  const bundleFile = join(dir, `${name}.mjs`);
  const manifestFile = join(dir, `${name}.json`);
  if (!isFresh(root, manifestFile, entry)) {
    try {
      await build(root, entry, bundleFile, manifestFile);
    } catch (err) {
      return fromSource(`bundling failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  return import(pathToFileURL(bundleFile).href);
}
