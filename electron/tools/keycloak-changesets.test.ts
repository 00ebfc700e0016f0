import { describe, expect, it } from 'vitest';
import { schemaRefusal } from '../services/schema-guard.ts';
import { shippedChangeSets } from './keycloak-changesets.ts';
import { testDistribution } from './test-support/keycloak-dists.ts';

describe('the change sets a Keycloak distribution ships (real 26.5.6 and 26.7.3 zips)', () => {
  it('26.7.3 ships every change set of 26.5.6 plus new ones in jpa-changelog-26.6.0.xml and 26.7.0.xml, a file 26.5.6 already ships in part', async () => {
    const [old, young] = await Promise.all([testDistribution('26.5.6'), testDistribution('26.7.3')]);
    const a = await shippedChangeSets(old.zipPath);
    const b = await shippedChangeSets(young.zipPath);
    expect(a.size).toBeGreaterThan(100);
    expect([...a].filter((k) => !b.has(k))).toEqual([]);
    const added = [...b].filter((k) => !a.has(k));
    expect(added.length).toBeGreaterThan(0);
    expect(new Set(added.map((k) => k.split('|')[0]))).toEqual(new Set(['META-INF/jpa-changelog-26.6.0.xml', 'META-INF/jpa-changelog-26.7.0.xml']));
    // why file names alone cannot tell the schema's version: 26.5.6 ships part of jpa-changelog-26.6.0.xml, 26.7.3 more of it
    expect([...a].some((k) => k.startsWith('META-INF/jpa-changelog-26.6.0.xml|'))).toBe(true);
  }, 180_000);

  it('refuses a zip that is not a Keycloak distribution, naming it', async () => {
    await expect(shippedChangeSets('/etc/hostname')).rejects.toMatchObject({ code: 'artifact-failed', message: expect.stringMatching(/\/etc\/hostname/) as string });
  });
});

describe('schemaRefusal', () => {
  it('names the files of the change sets the version does not ship, and the way back', () => {
    const e = schemaRefusal('acme', '26.5.6', ['META-INF/jpa-changelog-26.7.0.xml: 26.7.0-1', 'META-INF/jpa-changelog-26.7.0.xml: 26.7.0-2']);
    expect(e?.code).toBe('conflict');
    expect(e?.message).toMatch(/holds 2 change sets Keycloak 26\.5\.6 does not ship \(META-INF\/jpa-changelog-26\.7\.0\.xml\)/);
    expect(e?.hint).toMatch(/keyturn rollback --cluster acme/);
    expect(schemaRefusal('acme', '26.7.3', [])).toBeNull();
  });
});
