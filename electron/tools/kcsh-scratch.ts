/**
 * Scratch copies of Keycloak distributions for `kc.sh update-compatibility`.
 *
 * Without `--optimized` the command rebuilds the installation it runs from
 * (a Quarkus augmentation: ~30-45 s on 2 slow cores), so it must never run
 * from a live node's installation or from the artifact store. Keyturn unpacks
 * each version once under `<KEYTURN_HOME>/scratch/keycloak-<version>/` and
 * reuses it: the second check of the same target with the same build options
 * takes ~3 s instead of ~45 s. A lock file per version serialises users of
 * one copy across processes (console + CLI), because two concurrent rebuilds
 * of one directory would corrupt it.
 */
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyturnError } from '../../shared/errors.ts';
import { withFileLock } from './file-lock.ts';
import { runTool, type OutputStream } from './process.ts';

/** A prepared copy: `home` is the Keycloak home (where bin/kc.sh is). */
export interface ScratchCopy {
  version: string;
  home: string;
  /** `cold` when it was unpacked for this call, `warm` when an existing copy was reused. */
  state: 'cold' | 'warm';
}

export interface PrepareScratchOptions {
  /** `<KEYTURN_HOME>/scratch`. */
  root: string;
  version: string;
  /** The verified distribution zip (artifact store) and its sha256. */
  zipPath: string;
  sha256: string;
  signal?: AbortSignal;
  onLine?: (stream: OutputStream, line: string) => void;
}

const MARKER = '.keyturn-scratch.json';
/** Unpacking takes ~1.5 s here; a minute covers a slow disk without hiding a hang. */
const UNZIP_TIMEOUT_MS = 60_000;
/** How long a second user waits for a copy in use: a cold check with rebuild takes ~45 s here. */
const DEFAULT_LOCK_WAIT_MS = 5 * 60_000;
const LOCK_POLL_MS = 250;

export const scratchHome = (root: string, version: string): string => join(root, `keycloak-${version}`);
const lockPath = (root: string, version: string): string => join(root, `keycloak-${version}.lock`);

const exists = (p: string) => stat(p).then(() => true, () => false);

async function markerMatches(home: string, sha256: string): Promise<boolean> {
  const text = await readFile(join(home, MARKER), 'utf8').catch(() => null);
  if (text === null || !(await exists(join(home, 'bin', 'kc.sh')))) return false;
  try {
    return (JSON.parse(text) as { sha256?: string }).sha256 === sha256;
  } catch {
    return false;
  }
}

/**
 * Returns the scratch copy of `version`, unpacking the zip when there is no
 * copy or the copy came from different bytes (a re-imported zip). Call it
 * while holding `withScratchLock` for the same version.
 */
export async function prepareScratch(opts: PrepareScratchOptions): Promise<ScratchCopy> {
  const home = scratchHome(opts.root, opts.version);
  if (await markerMatches(home, opts.sha256)) return { version: opts.version, home, state: 'warm' };
  await mkdir(opts.root, { recursive: true });
  await rm(home, { recursive: true, force: true });
  const tmp = await mkdtemp(join(opts.root, `.unpack-${opts.version}-`));
  try {
    await runTool({
      tool: `unzip Keycloak ${opts.version}`,
      command: 'unzip',
      args: ['-q', opts.zipPath, '-d', tmp],
      timeoutMs: UNZIP_TIMEOUT_MS,
      killGraceMs: 1_000,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onLine ? { onLine: opts.onLine } : {}),
    }).then((r) => {
      if (r.exitCode !== 0) {
        throw new KeyturnError('artifact-failed', `Unpacking ${opts.zipPath} failed (unzip exited ${r.exitCode}): ${r.stderr.trim().slice(0, 500)}`, 'Check free disk space under the Keyturn data directory, then fetch the distribution again if the zip is damaged.');
      }
    });
    const unpacked = join(tmp, `keycloak-${opts.version}`);
    if (!(await exists(join(unpacked, 'bin', 'kc.sh')))) {
      throw new KeyturnError('artifact-failed', `${opts.zipPath} has no keycloak-${opts.version}/bin/kc.sh.`, 'Use the keycloak-quarkus-dist zip of that version.');
    }
    // The marker is written last: a copy without it is half-made and gets unpacked again.
    await writeFile(join(unpacked, MARKER), JSON.stringify({ version: opts.version, sha256: opts.sha256, preparedAt: new Date().toISOString() }));
    await rename(unpacked, home);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { version: opts.version, home, state: 'cold' };
}

/** Removes the scratch copy of `version` (tests and benchmarks of the cold path; disk clean-up). */
export async function removeScratch(root: string, version: string): Promise<void> {
  await rm(scratchHome(root, version), { recursive: true, force: true });
}

export interface ScratchLockOptions {
  waitMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs `fn` holding the lock file of `version`'s scratch copy. A lock left by
 * a dead process on this host is taken over; a live holder is waited for up
 * to `waitMs`, then `locked` names it.
 */
export async function withScratchLock<T>(root: string, version: string, fn: () => Promise<T>, opts: ScratchLockOptions = {}): Promise<T> {
  await mkdir(root, { recursive: true });
  const path = lockPath(root, version);
  return withFileLock(path, fn, {
    waitMs: opts.waitMs ?? DEFAULT_LOCK_WAIT_MS,
    pollMs: LOCK_POLL_MS,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onAbort: () => new KeyturnError('aborted', `Waiting for the scratch copy of Keycloak ${version} was cancelled.`, 'Nothing was changed.'),
    onTimeout: (holder) => new KeyturnError('locked', `The scratch copy of Keycloak ${version} is in use by ${holder || 'another Keyturn'} (${path}).`, 'Wait for that plan to finish and try again; if no Keyturn is running, delete the lock file.'),
  });
}
