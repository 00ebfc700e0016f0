/**
 * Scratch copies and their lock, on a real distribution zip and real files:
 * the warm path must reuse, a copy from other bytes or a damaged copy must be
 * unpacked again, and two users of one copy must never overlap.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareScratch, removeScratch, scratchHome, withScratchLock } from './kcsh-scratch.ts';
import { testDistribution } from './test-support/keycloak-dists.ts';

let root: string;
let zipPath: string;
let sha256: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'keyturn-scratch-'));
  ({ zipPath, sha256 } = await testDistribution('26.7.3'));
}, 20 * 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('prepareScratch', () => {
  it('unpacks once (cold), then reuses (warm), and unpacks again for other bytes or a damaged copy', async () => {
    await removeScratch(root, '26.7.3');
    const first = await prepareScratch({ root, version: '26.7.3', zipPath, sha256 });
    expect(first).toEqual({ version: '26.7.3', home: scratchHome(root, '26.7.3'), state: 'cold' });
    expect(await readFile(join(first.home, 'bin', 'kc.sh'), 'utf8')).toMatch(/^#!/);
    // a file the build would leave behind survives reuse
    await writeFile(join(first.home, 'lib', 'keyturn-probe'), 'x');
    expect((await prepareScratch({ root, version: '26.7.3', zipPath, sha256 })).state).toBe('warm');
    expect(await readFile(join(first.home, 'lib', 'keyturn-probe'), 'utf8')).toBe('x');

    const other = await prepareScratch({ root, version: '26.7.3', zipPath, sha256: 'f'.repeat(64) });
    expect(other.state).toBe('cold');
    await expect(readFile(join(first.home, 'lib', 'keyturn-probe'), 'utf8')).rejects.toThrow(/ENOENT/);

    await rm(join(first.home, 'bin', 'kc.sh'));
    expect((await prepareScratch({ root, version: '26.7.3', zipPath, sha256 })).state).toBe('cold');
  }, 60_000);

  it('refuses a zip that is not that version, leaving no half-made copy', async () => {
    await expect(prepareScratch({ root, version: '26.7.0', zipPath, sha256 })).rejects.toMatchObject({ code: 'artifact-failed', message: expect.stringMatching(/keycloak-26\.7\.0\/bin\/kc\.sh/) as string });
    await expect(readFile(join(scratchHome(root, '26.7.0'), 'bin', 'kc.sh'))).rejects.toThrow(/ENOENT/);
  }, 60_000);
});

describe('withScratchLock', () => {
  it('serialises two users of one copy', async () => {
    const log: string[] = [];
    const user = (name: string) => withScratchLock(root, '99.0.0', async () => {
      log.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 300));
      log.push(`${name} out`);
    });
    await Promise.all([user('a'), user('b')]);
    // Either may get the lock first (both start at once); what matters is that one leaves before the other enters.
    const first = log[0]?.split(' ')[0] === 'b' ? 'b' : 'a';
    const second = first === 'a' ? 'b' : 'a';
    expect(log).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
  });

  it('takes over a lock left by a dead process', async () => {
    await writeFile(join(root, 'keycloak-98.0.0.lock'), `999999@${(await import('node:os')).hostname()}\n`);
    expect(await withScratchLock(root, '98.0.0', async () => 'ran', { waitMs: 1_000 })).toBe('ran');
  });

  it('names the holder when a live one keeps it too long, and releases on failure', async () => {
    let release!: () => void;
    const held = withScratchLock(root, '97.0.0', () => new Promise<void>((r) => { release = r; }));
    await new Promise((r) => setTimeout(r, 50));
    await expect(withScratchLock(root, '97.0.0', async () => 'never', { waitMs: 300 })).rejects.toMatchObject({ code: 'locked', message: expect.stringMatching(new RegExp(`in use by ${process.pid}@`)) as string });
    release();
    await held;
    await expect(withScratchLock(root, '97.0.0', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await withScratchLock(root, '97.0.0', async () => 'free again', { waitMs: 300 })).toBe('free again');
  });
});
