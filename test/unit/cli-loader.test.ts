/**
 * bin/cli-loader.js starts `keyturn` from an esbuild bundle of its sources:
 * built on first use, reused while no input changed, rebuilt as soon as one
 * did (so a command never runs stale code), and tsx when no bundle can be
 * written. Each case runs in a child process, as the command does (a process
 * imports a module URL once).
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const loader = join(process.cwd(), 'bin', 'cli-loader.js');
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A root with src/main.ts importing src/word.ts, and node_modules from this repo (esbuild, tsx). */
function makeRoot(word: string): string {
  const root = mkdtempSync(join(tmpdir(), 'keyturn-cli-loader-'));
  roots.push(root);
  mkdirSync(join(root, 'src'));
  // ESM sources, as in this repository (tsx reads .ts as CommonJS without it)
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(root, 'src', 'main.ts'), "import { word } from './word.ts';\nexport function main(): string { return word satisfies string; }\n");
  writeFileSync(join(root, 'src', 'word.ts'), `export const word: string = ${JSON.stringify(word)};\n`);
  return root;
}

/** What `main()` returns when a fresh process loads src/main.ts through the loader, and why it fell back (if it did). */
async function load(root: string, env: Record<string, string> = {}): Promise<{ word: string; fallback: string | null }> {
  const script = `import { loadCliModule } from ${JSON.stringify(loader)};
let fallback = null;
const m = await loadCliModule(${JSON.stringify(root)}, 'src/main.ts', { onFallback: (why) => { fallback = why; } });
console.log(JSON.stringify({ word: m.main(), fallback }));`;
  // Run from this repo so esbuild and tsx resolve from its node_modules.
  const r = await execa(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), env: { ...env, NODE_PATH: join(process.cwd(), 'node_modules') }, reject: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { word: string; fallback: string | null };
}

const bundle = (root: string) => join(root, '.cache', 'keyturn-cli', 'src-main-ts.mjs');

describe('the keyturn command loader', () => {
  it('bundles on first use, names every input in its manifest, and reuses the bundle while nothing changed', async () => {
    const root = makeRoot('one');
    expect(await load(root)).toEqual({ word: 'one', fallback: null });
    const manifest = JSON.parse(readFileSync(join(root, '.cache', 'keyturn-cli', 'src-main-ts.json'), 'utf8')) as { inputs: Record<string, unknown> };
    expect(Object.keys(manifest.inputs).sort()).toEqual(['src/main.ts', 'src/word.ts']);
    // an old, whole-second bundle file time shows whether the next start rewrote it
    const old = new Date(Math.floor(statSync(bundle(root)).mtimeMs / 1000) * 1000 - 60_000);
    utimesSync(bundle(root), old, old);
    expect(await load(root)).toEqual({ word: 'one', fallback: null });
    expect(statSync(bundle(root)).mtime.getTime()).toBe(old.getTime());
  });

  it('rebuilds when an imported file changed, so the command never runs stale code', async () => {
    const root = makeRoot('one');
    expect((await load(root)).word).toBe('one');
    writeFileSync(join(root, 'src', 'word.ts'), 'export const word: string = "two, and longer";\n');
    expect(await load(root)).toEqual({ word: 'two, and longer', fallback: null });
  });

  it('falls back to tsx, and says why, when it cannot write a bundle', async () => {
    const root = makeRoot('one');
    writeFileSync(join(root, '.cache'), 'a file where the cache directory would go\n');
    const r = await load(root);
    expect(r.word).toBe('one');
    expect(r.fallback).toMatch(/^bundling failed: /);
  });

  it('runs from source when KEYTURN_CLI_FROM_SOURCE=1 asks for it', async () => {
    const root = makeRoot('one');
    expect(await load(root, { KEYTURN_CLI_FROM_SOURCE: '1' })).toEqual({ word: 'one', fallback: 'KEYTURN_CLI_FROM_SOURCE=1' });
  });
});
