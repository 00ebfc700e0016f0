/**
 * Running the real `keyturn` CLI from tests: in-process through `main(argv,
 * io)` (fast, same code as bin/keyturn.js past the tsx loader), or as the
 * real `bin/keyturn.js` process. Each test home is a temp KEYTURN_HOME.
 */
import { execa, type Options } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../electron/cli/main.ts';

export const repoRoot = process.cwd();
export const fixture = (f: string): string => join(repoRoot, 'test', 'fixtures', f);

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A fresh temp directory; `cleanup()` removes every one made so far. */
export function tempDirs(prefix: string) {
  const made: string[] = [];
  return {
    make(): string {
      const d = mkdtempSync(join(tmpdir(), prefix));
      made.push(d);
      return d;
    },
    cleanup(): void {
      for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/**
 * `keyturn <args>` in this process against ledger `home`. KEYTURN_HOME is set
 * for the call only (vitest gives each test file its own worker process).
 */
export async function keyturnIn(home: string, args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const saved = process.env.KEYTURN_HOME;
  process.env.KEYTURN_HOME = home;
  try {
    const exitCode = await main(args, { out: (s) => void (stdout += s), err: (s) => void (stderr += s) });
    return { exitCode, stdout, stderr };
  } finally {
    if (saved === undefined) delete process.env.KEYTURN_HOME;
    else process.env.KEYTURN_HOME = saved;
  }
}

/** `keyturn <args>` as a user runs it: `node bin/keyturn.js` in a child process. */
export async function keyturnBin(home: string, args: string[], opts: Options = {}): Promise<CliResult> {
  const r = await execa(process.execPath, [join(repoRoot, 'bin', 'keyturn.js'), ...args], {
    reject: false,
    ...opts,
    env: { KEYTURN_HOME: home, ...(opts.env ?? {}) },
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/**
 * sha256 of the ledger's bytes: the database file and its WAL, when there is
 * one (the ledger runs in WAL mode; a committed change may sit in the WAL
 * until the last connection closes and checkpoints it). The -shm file is an
 * index rebuilt from those two, not data.
 */
export function ledgerDigest(home: string): string {
  const h = createHash('sha256');
  for (const f of ['ledger.sqlite', 'ledger.sqlite-wal']) {
    const p = join(home, f);
    h.update(`${f}:`);
    h.update(existsSync(p) ? readFileSync(p) : Buffer.from('absent'));
  }
  return h.digest('hex');
}
