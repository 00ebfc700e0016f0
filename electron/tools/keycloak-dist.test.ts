import { copyFile, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { inspectDistribution, sha256File, verifySha256 } from './keycloak-dist.ts';
import { testDistribution } from './test-support/keycloak-dists.ts';

/** The real 26.7.0 server zip in the local Maven repository (fetched through Maven when missing). */
let real: string;
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

async function failure(p: Promise<unknown>): Promise<KeyturnError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KeyturnError);
  return err as KeyturnError;
}

describe('inspectDistribution', () => {
  let dir: string;
  let realSha256: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyturn-dist-test-'));
    real = (await testDistribution('26.7.0')).zipPath;
    // An independent digest, from coreutils rather than our own code.
    realSha256 = (await execa('sha256sum', [real])).stdout.split(' ')[0]!;
  }, 20 * 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('identifies the real 26.7.0 server zip, with its sha256 and size (and checks Maven\'s .sha1 next to it)', async () => {
    const info = await inspectDistribution(real);
    expect(info).toEqual({ version: '26.7.0', sha256: realSha256, size: (await stat(real)).size });
  });

  it('refuses a truncated copy as corrupt', async () => {
    const truncated = join(dir, 'keycloak-quarkus-dist-26.7.0.zip');
    const src = await open(real, 'r');
    const half = Buffer.alloc(4 * 1024 * 1024);
    await src.read(half, 0, half.length, 0);
    await src.close();
    await writeFile(truncated, half);
    const err = await failure(inspectDistribution(truncated));
    expect(err.code).toBe('artifact-failed');
    expect(err.message).toContain(truncated);
    expect(err.message).toMatch(/truncated or corrupt/);
    // Cut just inside the end record too.
    const mini = await readFile(fixture('keycloak-mini.zip'));
    const clipped = join(dir, 'clipped.zip');
    await writeFile(clipped, mini.subarray(0, mini.length - 12));
    expect((await failure(inspectDistribution(clipped))).code).toBe('artifact-failed');
  });

  it('refuses a zip that is not a Keycloak server distribution', async () => {
    const err = await failure(inspectDistribution(fixture('not-keycloak.zip')));
    expect(err.code).toBe('artifact-failed');
    expect(err.message).toContain('not a Keycloak server distribution');
    expect(err.hint).toContain('keycloak-quarkus-dist');
  });

  it('refuses a file that is not a zip at all, and a missing file', async () => {
    const text = join(dir, 'notes.zip');
    await writeFile(text, 'this is not a zip file\n'.repeat(10));
    expect((await failure(inspectDistribution(text))).message).toMatch(/not a readable zip/);
    expect((await failure(inspectDistribution(join(dir, 'absent.zip')))).message).toContain('does not exist');
  });

  it('reads the version from the layout and confirms it with version.txt', async () => {
    expect(await inspectDistribution(fixture('keycloak-mini.zip'))).toMatchObject({ version: '99.1.0' });
    const err = await failure(inspectDistribution(fixture('keycloak-mislabeled.zip')));
    expect(err.message).toContain('version.txt says 98.0.0');
  });

  it('detects damage anywhere in a file that has Maven\'s .sha1 beside it', async () => {
    const copy = join(dir, 'damaged.zip');
    await copyFile(fixture('keycloak-mini.zip'), copy);
    await writeFile(`${copy}.sha1`, '0123456789abcdef0123456789abcdef01234567');
    const err = await failure(inspectDistribution(copy));
    expect(err.code).toBe('artifact-failed');
    expect(err.message).toMatch(/damaged: its SHA-1 is [0-9a-f]{40} but the repository recorded 0123456789abcdef/);
  });
});

describe('verifySha256', () => {
  it('accepts the right digest (any case) and names both digests on a mismatch', async () => {
    const path = fixture('keycloak-mini.zip');
    const digest = await sha256File(path);
    expect(digest).toBe((await execa('sha256sum', [path])).stdout.split(' ')[0]);
    await expect(verifySha256(path, digest.toUpperCase())).resolves.toBeUndefined();
    const wrong = 'f'.repeat(64);
    const err = await failure(verifySha256(path, wrong));
    expect(err.code).toBe('artifact-failed');
    expect(err.message).toContain(digest);
    expect(err.message).toContain(wrong);
    expect((await failure(verifySha256(path, 'abc'))).code).toBe('invalid-input');
  });
});
