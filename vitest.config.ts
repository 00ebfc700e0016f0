import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Integration files share one lab. Each brings it to the version it needs first
 * (`ensureLabAt`), so any one runs alone; in the suite they run in file-name
 * order, which keeps the number of version changes (and so the time) low.
 */
class ByFileNameSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}

/**
 * Three projects (e2e drives Debian's Chromium through browser mode): `unit` runs in plain Node against real programs with small
 * inputs; `integration` needs the lab (real Keycloak cluster) and runs it once
 * per suite through its global setup.
 */
export default defineConfig({
  test: {
    sequence: { sequencer: ByFileNameSequencer },
    // Two unit files at a time even on a two-core machine (Vitest would run one): most unit files
    // wait on the real programs they drive (sshd, PostgreSQL, HAProxy, kc.sh), not on the CPU.
    // The integration and e2e projects still run one file at a time (fileParallelism: false).
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          sequence: { groupOrder: 0 },
          include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.ts', 'test/unit/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // every Keycloak distribution the unit tests read, fetched once through Maven before the first file
          globalSetup: ['electron/tools/test-support/dists-global-setup.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          environment: 'node',
          // last and alone: the lab takes the machine's two cores, and timing-sensitive unit tests must not share them
          sequence: { groupOrder: 2 },
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          sequence: { groupOrder: 1 },
          include: ['e2e/**/*.spec.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
