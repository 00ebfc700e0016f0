/**
 * The layering rules of the design, checked on every file so a violation
 * fails `npm test` even if lint is skipped: shared/ is pure, renderer/ reaches
 * main only through the contract, and only electron/main|preload|ipc may
 * import 'electron' (which tries to fetch its binary when loaded).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = process.cwd();

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(ts|tsx)$/.test(e.name)) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    found.push(m[1] ?? m[2] ?? m[3] ?? '');
  }
  return found;
}

describe('layering', () => {
  it("only electron/main, preload and ipc import 'electron'", () => {
    // positive control: the scanner does see the imports that are allowed
    expect(sources('electron/main').some((f) => imports(f).includes('electron'))).toBe(true);
    const offenders = [...sources('electron'), ...sources('shared'), ...sources('renderer')]
      .filter((f) => !/^electron\/(main|preload|ipc)\//.test(f))
      .filter((f) => imports(f).includes('electron'));
    expect(offenders).toEqual([]);
  });

  it('shared/ imports nothing platform-specific', () => {
    const offenders = sources('shared').filter((f) => imports(f).some((i) => i.startsWith('node:') || i === 'electron' || /(^|\/)(electron|renderer)\//.test(i) || ['fs', 'path', 'os', 'child_process'].includes(i)));
    expect(offenders).toEqual([]);
  });

  it('renderer/ imports only shared/ and renderer/', () => {
    const offenders = sources('renderer').filter((f) =>
      imports(f).some((i) => {
        if (i.startsWith('node:') || i === 'electron') return true;
        if (!i.startsWith('.')) return false;
        const target = relative(root, join(root, f, '..', i));
        return !target.startsWith('renderer') && !target.startsWith('shared');
      }),
    );
    expect(offenders).toEqual([]);
  });
});

describe('layering inside electron/', () => {
  it('folders import downward only (scripts/electron-layers.js); tests may reach anywhere', async () => {
    const { electronLayers, forbiddenFor } = (await import('../../scripts/electron-layers.js')) as { electronLayers: string[][]; forbiddenFor(f: string): string[] };
    const folders = readdirSync(join(root, 'electron'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    // every folder has a layer: a new folder must be placed before it can be used
    expect(folders.filter((f) => !electronLayers.flat().includes(f))).toEqual([]);
    const offenders: string[] = [];
    for (const folder of folders) {
      const forbidden = new Set(forbiddenFor(folder));
      for (const f of sources(join('electron', folder)).filter((p) => !/\.test\.ts$|\/test-support\//.test(p))) {
        for (const i of imports(f).filter((s) => s.startsWith('.'))) {
          const target = relative(join(root, 'electron'), join(root, f, '..', i)).split('/')[0] ?? '';
          if (forbidden.has(target)) offenders.push(`${f} -> electron/${target}`);
        }
      }
    }
    // positive control: the scanner sees a downward import that is allowed
    expect(imports('electron/engine/executor.ts').some((i) => i.includes('../ledger/'))).toBe(true);
    expect(offenders).toEqual([]);
  });
});
