/**
 * `keyturn cluster list --json` carries the fleet facts the console shows:
 * the real `bin/keyturn.js` in a child process, over a ledger filled through
 * the ledger's functions, with the existing fields unchanged.
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema, type ClusterSummary } from '../../shared/contract/index.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { insertBackup } from '../ledger/backups-repo.ts';
import { insertCluster } from '../ledger/clusters-repo.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { createRun, markRunInterrupted, setRunStatus, setStepStatus } from '../ledger/runs-repo.ts';
import { ledgerPathIn } from '../services/paths.ts';
import { createRedactor } from '../tools/redact.ts';

const root = process.cwd();
const homes: string[] = [];
afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));
const keyturn = (home: string, args: string[]) => execa(process.execPath, [join(root, 'bin', 'keyturn.js'), ...args], { env: { KEYTURN_HOME: home }, reject: false });

describe('keyturn cluster list', () => {
  it('prints every fleet fact with --json and the next action in the table', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keyturn-cli-fleet-'));
    homes.push(home);
    const db = openLedger(ledgerPathIn(home));
    const prod = insertCluster(db, clusterSpecSchema.parse(sampleSpec()));
    insertCluster(db, clusterSpecSchema.parse(sampleSpec({ name: 'acme-stage', environment: 'staging' })));
    insertBackup(db, {
      clusterId: prod, path: '/var/keyturn/backups/a.dump', format: 'pg_dump-custom', sha256: 'a'.repeat(64), size: 10, keycloakVersion: '26.7.0',
      database: { host: 'db.acme.example', port: 5432, name: 'keycloak', user: 'keycloak', serverVersion: '15.18' },
      changelog: { present: true, count: 1, last: null, digest: 'b'.repeat(64) },
    });
    const run = createRun(db, { clusterId: prod, kind: 'upgrade', strategy: 'rolling' }, [{ kind: 'backup', title: 'Back up the database' }, { kind: 'install', title: 'Upgrade node n1' }]);
    const redact = createRedactor([]);
    setRunStatus(db, run, 'running', redact);
    setStepStatus(db, run, 0, 'running', redact);
    markRunInterrupted(db, run);
    db.close();

    const res = await keyturn(home, ['cluster', 'list', '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    const list = JSON.parse(res.stdout) as ClusterSummary[];
    expect(list.map((c) => c.name)).toEqual(['acme-prod', 'acme-stage']);
    const [p, s] = list;
    // existing fields, as before
    expect(p).toMatchObject({ name: 'acme-prod', environment: 'production', version: '26.7.0', nodeCount: 2, health: 'unknown', lastRun: { id: run, kind: 'upgrade', status: 'interrupted', availability: null } });
    expect(p!.lastBackupAt).toEqual(p!.lastBackup!.at);
    // the fleet facts
    expect(p).toMatchObject({ lastBackup: { ageDays: 0, verified: false }, stoppedRun: { id: run, status: 'interrupted', step: 'Back up the database' }, standby: null });
    expect(p!.nextActions![0]).toEqual({ kind: 'resume-run', severity: 'critical', text: `run ${run.slice(0, 8)} interrupted at Back up the database: resume or roll back` });
    expect(p!.nextActions!.map((a) => a.text)).toContain('last backup not verified');
    expect(s).toMatchObject({ environment: 'staging', lastBackup: null, stoppedRun: null, lastRun: null });
    expect(s!.nextActions!.map((a) => a.text)).toContain('no backup yet');
    // published versions come from Maven's local repository (the unit setup put 26.7.3 there): the rolling patch is offered
    expect(p!.versions).toMatchObject({ known: true, patchesBehind: expect.any(Number) as number });
    expect(p!.versions!.newestPatch).toMatch(/^26\.7\.\d+$/);
    expect(p!.nextActions!.map((a) => a.text)).toContain(`patch 26.7.0 -> ${p!.versions!.newestPatch} available: rolling`);

    const human = await keyturn(home, ['cluster', 'list']);
    expect(human.exitCode, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/NEXT ACTION/);
    expect(human.stdout).toMatch(new RegExp(`acme-prod\\s+production\\s+26\\.7\\.0\\s+2.*run ${run.slice(0, 8)} interrupted`));
    // the table shows the most urgent action: for the stage cluster the patch comes before "no backup yet"
    expect(human.stdout).toMatch(/acme-stage\s+staging.*patch 26\.7\.0 -> 26\.7\.\d+ available: rolling/);
  }, 5 * 60_000);
});
