/**
 * The quick answer to "where is Maven's local repository" the fleet uses on
 * every refresh: settings.xml's <localRepository>, else ~/.m2/repository,
 * without starting Maven (a file of its own: no earlier mvn answer cached in
 * this worker).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localRepositoryPathQuick } from './maven.ts';

const home = process.env.HOME;
let dir: string | null = null;
afterEach(() => {
  process.env.HOME = home;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('localRepositoryPathQuick', () => {
  it("reads <localRepository> from the user's settings.xml", async () => {
    dir = mkdtempSync(join(tmpdir(), 'keyturn-m2-'));
    mkdirSync(join(dir, '.m2'));
    writeFileSync(join(dir, '.m2', 'settings.xml'), '<settings>\n  <localRepository> /srv/maven/repo </localRepository>\n</settings>\n');
    process.env.HOME = dir;
    expect(await localRepositoryPathQuick()).toBe('/srv/maven/repo');
  });

  it('falls back to ~/.m2/repository without settings.xml, or with a relative path in it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'keyturn-m2-'));
    process.env.HOME = dir;
    expect(await localRepositoryPathQuick()).toBe(join(dir, '.m2', 'repository'));
    mkdirSync(join(dir, '.m2'));
    writeFileSync(join(dir, '.m2', 'settings.xml'), '<settings><localRepository>repo</localRepository></settings>');
    expect(await localRepositoryPathQuick()).toBe(join(dir, '.m2', 'repository'));
  });
});
