/**
 * The fleet facts against a real SQLite ledger filled through the ledger's
 * own functions (clusters, backups, runs, colours, probe samples), and the
 * published versions from the real Maven local repository the unit setup
 * filled (26.5.6, 26.7.0, 26.7.3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { colourDeploymentSchema, type Colour } from '../../shared/contract/colours.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { insertBackup, recordVerification } from '../ledger/backups-repo.ts';
import { insertCluster } from '../ledger/clusters-repo.ts';
import { ensureActiveColour, promoteColour, recordBuildingColour } from '../ledger/colours-repo.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { insertProbeSamples } from '../ledger/probe-samples-repo.ts';
import { createRun, markRunInterrupted, setRunStatus, setStepStatus } from '../ledger/runs-repo.ts';
import { createRedactor } from '../tools/redact.ts';
import { fleetSummaries, knownPublishedVersions } from './fleet-facts.ts';

const dayMs = 86_400_000;
const redact = createRedactor([]);
const homes: string[] = [];
afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

const deployment = (colour: Colour, prefix: string) => colourDeploymentSchema.parse({
  colour,
  source: colour === 'blue' ? 'cluster-file' : 'terraform',
  nodes: [{ name: 'n1', address: `${prefix}.1`, sshPort: 2222 }],
  database: { address: `${prefix}.50`, port: 5432, name: 'keycloak', user: 'keycloak' },
  loadBalancer: { address: `${prefix}.100`, port: 80, runtimeApi: `/srv/${colour}/admin.sock`, backend: 'keycloak' },
  inventory: `/srv/${colour}/inventory.yml`,
});

const backupOf = (clusterId: string, createdAt: string) => ({
  clusterId,
  path: `/var/keyturn/backups/${createdAt}.dump`,
  format: 'pg_dump-custom',
  sha256: 'a'.repeat(64),
  size: 1234,
  keycloakVersion: '26.7.0',
  database: { host: 'db.acme.example', port: 5432, name: 'keycloak', user: 'keycloak', serverVersion: '15.18' },
  changelog: { present: true, count: 3, last: null, digest: 'b'.repeat(64) },
  createdAt,
});

const published = ['26.5.6', '26.7.0', '26.7.3'];

describe('fleet facts', () => {
  it('reads versions behind, backup age, last run availability, standby, a stopped run and the next actions from the ledger', () => {
    const db = openLedger(':memory:');
    const prod = insertCluster(db, clusterSpecSchema.parse(sampleSpec()));
    insertCluster(db, clusterSpecSchema.parse(sampleSpec({ name: 'acme-stage', environment: 'staging', keycloak: { version: '26.5.6', options: {} } })));
    const now = new Date(Date.now() + 3 * dayMs + 3_600_000).toISOString();

    // a backup taken 8 days before `now`, never verified
    const backup = insertBackup(db, backupOf(prod, new Date(Date.parse(now) - 8 * dayMs).toISOString()));

    // blue served, green was built and switched to: blue is the standby from now on
    ensureActiveColour(db, prod, deployment('blue', '127.0.10'), '26.7.0');
    const bg = createRun(db, { clusterId: prod, kind: 'upgrade', strategy: 'blue-green' });
    recordBuildingColour(db, { clusterId: prod, deployment: deployment('green', '127.0.20'), version: '26.7.0', runId: bg });
    promoteColour(db, prod, 'green', bg);
    setRunStatus(db, bg, 'running', redact);
    setRunStatus(db, bg, 'succeeded', redact);

    // a rolling run that stopped on its second step, with what the prober saw
    const rolling = createRun(db, { clusterId: prod, kind: 'upgrade', strategy: 'rolling' }, [
      { kind: 'backup', title: 'Back up the database' },
      { kind: 'install', title: 'Upgrade node n1', node: 'n1' },
      { kind: 'install', title: 'Upgrade node n2', node: 'n2' },
    ]);
    setRunStatus(db, rolling, 'running', redact);
    setStepStatus(db, rolling, 0, 'succeeded', redact);
    setStepStatus(db, rolling, 1, 'running', redact);
    markRunInterrupted(db, rolling);
    const t0 = Date.parse('2026-12-01T10:00:00.000Z');
    insertProbeSamples(db, rolling, Array.from({ length: 100 }, (_, i) => ({
      atMs: t0 + i * 50, ok: i % 40 !== 7, status: i % 40 !== 7 ? 200 : 503, reason: i % 40 !== 7 ? null : 'http-503', latencyMs: 12, address: '127.0.10.1',
    })));

    const [p, s] = fleetSummaries(db, published, now);
    expect(p).toMatchObject({
      name: 'acme-prod',
      version: '26.7.0',
      versions: { known: true, newestPatch: '26.7.3', patchesBehind: 1, newestMinor: null, minorsBehind: 0, behind: '1 patch behind' },
      lastBackup: { id: backup.id, ageDays: 8, verified: false, verifiedAt: null },
      lastRun: { id: rolling, status: 'interrupted', availability: { requests: 100, failed: 3 } },
      standby: { colour: 'blue', version: '26.7.0', ageDays: 3 },
      stoppedRun: { id: rolling, kind: 'upgrade', status: 'interrupted', step: 'Upgrade node n1' },
    });
    expect(p!.nextActions!.map((a) => a.text)).toEqual([
      `run ${rolling.slice(0, 8)} interrupted at Upgrade node n1: resume or roll back`,
      'patch 26.7.0 -> 26.7.3 available: rolling',
      'backup older than 7 days',
      'last backup not verified',
      'standby blue running for 3 days: decommission?',
    ]);
    // the existing summary fields are untouched
    expect(p).toMatchObject({ environment: 'production', nodeCount: 2, lastBackupAt: backup.createdAt });

    expect(s).toMatchObject({
      name: 'acme-stage',
      environment: 'staging',
      versions: { newestPatch: null, newestMinor: '26.7.3', minorsBehind: 1, behind: '1 minor behind' },
      lastBackup: null,
      lastRun: null,
      standby: null,
      stoppedRun: null,
    });
    expect(s!.nextActions!.map((a) => a.text)).toEqual(['no backup yet', 'minor 26.5.6 -> 26.7.3 available: plan it to see the strategy']);

    // a verified, fresh backup clears the backup actions; no versions known clears the version ones
    recordVerification(db, insertBackup(db, backupOf(prod, now)).id, { ok: true, at: now, realms: 2, changelogRows: 3, changelogMatches: true, durationMs: 1000, error: null });
    const [p2] = fleetSummaries(db, [], now);
    expect(p2!.versions).toEqual({ known: false, newestPatch: null, patchesBehind: 0, newestMinor: null, minorsBehind: 0, behind: null });
    expect(p2!.lastBackup).toMatchObject({ ageDays: 0, verified: true, verifiedAt: now });
    expect(p2!.nextActions!.map((a) => a.kind)).toEqual(['resume-run', 'standby']);
  });

  it('knows the published versions from the real Maven local repository without starting Maven, and none from an empty one', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keyturn-fleet-'));
    homes.push(home);
    const db = openLedger(join(home, 'ledger.db'));
    // air-gapped with nothing imported: nothing known, so no version advice
    expect(await knownPublishedVersions(db, join(home, 'empty-m2'))).toEqual([]);
    const versions = await knownPublishedVersions(db);
    expect(versions).toEqual(expect.arrayContaining(published));
    insertCluster(db, clusterSpecSchema.parse(sampleSpec()));
    // the example: a cluster at 26.7.0 is offered the rolling patch to the newest 26.7 release
    const [c] = fleetSummaries(db, versions);
    expect(c!.nextActions!.find((a) => a.kind === 'patch')?.text).toMatch(/^patch 26\.7\.0 -> 26\.7\.\d+ available: rolling$/);
    db.close();
  }, 180_000);
});
