/**
 * Global setup of the unit project: makes sure every Keycloak distribution the
 * unit tests read is in the local Maven repository before any test file
 * starts, one line per version. Test files still ask `testDistribution`
 * themselves, so each also passes alone (and in any order) without this.
 */
import { ensureTestDistribution, TEST_DISTRIBUTION_VERSIONS } from './keycloak-dists.ts';

export default async function setup(): Promise<void> {
  for (const version of TEST_DISTRIBUTION_VERSIONS) {
    const started = Date.now();
    const { zipPath, fetched } = await ensureTestDistribution(version);
    const how = fetched ? `fetched through Maven in ${Math.round((Date.now() - started) / 1000)} s` : 'already in the local Maven repository';
    console.log(`Keycloak ${version}: ${how} (${zipPath})`);
  }
}
