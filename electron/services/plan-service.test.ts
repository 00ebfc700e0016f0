/**
 * The planner end to end through the registry, on a registered cluster whose
 * nodes refuse SSH (nothing listens there): metadata falls back to the local
 * computation from the artifact store, the check runs the real kc.sh of the
 * target in a scratch copy, and the plan, the run and its kc.sh events land
 * in the ledger without the secret. Option-only plans on one version keep
 * this to one cold build (~45 s) plus warm runs (~3 s each).
 */
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema, planSchema, type Plan } from '../../shared/contract/index.ts';
import { getCluster, pinHostKey } from '../ledger/clusters-repo.ts';
import { exportLedger } from '../ledger/export-import.ts';
import { listMetadata } from '../ledger/metadata-repo.ts';
import { getRun, listEvents } from '../ledger/runs-repo.ts';
import { invoke, type Handlers } from '../registry/dispatch.ts';
import { createHandlers } from '../registry/handlers.ts';
import { testDistribution } from '../tools/test-support/keycloak-dists.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { createServices, type Services } from '../registry/services.ts';

const secret = 'plan-service-secret-71d';
let home: string;
let services: Services;
let handlers: Handlers;
let clusterId: string;

beforeAll(async () => {
  // The target the plans check, and 26.5.6 which the version list must show as downloaded: in the local Maven repository whatever ran before.
  await testDistribution('26.7.3');
  await testDistribution('26.5.6');
  home = await mkdtemp(join(tmpdir(), 'keyturn-plan-'));
  const keyPath = join(home, 'id_ed25519');
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
  await writeFile(join(home, 'db-password'), `${secret}\n`, { mode: 0o600 });
  services = createServices({ home, mode: 'cli' });
  handlers = createHandlers(services);
  const spec = sampleSpec({
    name: 'offline',
    keycloak: { version: '26.7.3', options: { cache: 'ispn', 'cache-stack': 'jdbc-ping', db: 'postgres', 'db-url-host': '127.0.30.250', 'health-enabled': 'true' }, secretOptions: { 'db-password': { file: join(home, 'db-password') } } },
    // Port 1 on loopback: connection refused at once, like a node that is down.
    nodes: [
      { name: 'n1', host: '127.0.30.251', port: 1, user: 'keycloak', keyPath },
      { name: 'n2', host: '127.0.30.252', port: 1, user: 'keycloak', keyPath },
    ],
    loadBalancer: { kind: 'haproxy', runtimeApi: '/run/haproxy/admin.sock', backend: 'keycloak' },
    terraform: { dir: join(home, 'terraform') },
  });
  clusterId = (await invoke(handlers, 'clusters:register', { spec })).id;
  for (const n of ['n1', 'n2']) pinHostKey(services.db, 'offline', n, { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:not-a-real-key' });
}, 20 * 60_000);

afterAll(async () => {
  services?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

const plans: Plan[] = [];

describe('plan:compute with no node reachable', () => {
  it('computes metadata locally, checks in the scratch copy and recommends rolling for an unchanged 2-node cluster', async () => {
    const plan = planSchema.parse(await invoke(handlers, 'plan:compute', { cluster: 'offline', to: '26.7.3' }));
    plans.push(plan);
    expect(plan.check).toMatchObject({ exitCode: 0, verdict: 'rolling', metadataSource: 'local', metadataNode: null });
    // the metadata run built the copy for these options, so the check found it ready
    expect(plan.check.scratch).toBe('warm');
    expect(plan.check.metadataDurationMs).toBeGreaterThan(0);
    expect(plan.recommended).toBe('rolling');
    expect(plan.change).toMatchObject({ kind: 'same', direction: 'none' });
    expect(plan.reasons).toEqual([]);
    expect(plan.options.from['db-password']).toBe('(secret)');
    expect(plan.check.command).toEqual(expect.arrayContaining(['KC_DB_PASSWORD=***', '--cache-stack=jdbc-ping', '--http-host=127.0.30.251']));

    const events = listEvents(services.db, plan.runId, -1, 5000);
    expect(events.filter((e) => e.kind === 'plan.node-unreachable').map((e) => e.node)).toEqual(['n1', 'n2']);
    expect(events.find((e) => e.kind === 'plan.node-unreachable')!.data.message).toMatch(/connection refused/);
    const kcsh = events.filter((e) => e.source === 'kcsh' && e.kind === 'kcsh.line');
    expect(kcsh.some((e) => e.data.phase === 'metadata')).toBe(true);
    expect(kcsh.some((e) => e.data.phase === 'check' && String(e.data.line).includes('[OK] Rolling Update is available.'))).toBe(true);
    const run = getRun(services.db, plan.runId);
    expect(run.run).toMatchObject({ kind: 'plan', status: 'succeeded', fromVersion: '26.7.3', toVersion: '26.7.3' });
    expect(run.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await invoke(handlers, 'plan:get', { runId: plan.runId })).toEqual(plan);
    expect(listMetadata(services.db, clusterId)).toEqual([expect.objectContaining({ source: 'local', version: '26.7.3', runId: plan.runId })]);
  }, 300_000);

  it('answers an identical check from its earlier answer without starting kc.sh again', async () => {
    const first = plans[0]!;
    const again = planSchema.parse(await invoke(handlers, 'plan:compute', { cluster: 'offline', to: '26.7.3' }));
    expect(again.check).toMatchObject({ exitCode: 0, verdict: 'rolling', scratch: 'answered', output: first.check.output, command: first.check.command });
    expect(Date.parse(again.check.answeredAt!)).toBeGreaterThanOrEqual(Date.parse(first.createdAt) - 60_000);
    expect(again.recommended).toBe('rolling');
    const events = listEvents(services.db, again.runId, -1, 5000);
    expect(events.some((e) => e.source === 'kcsh' && e.data.phase === 'check')).toBe(false);
    expect(events.find((e) => e.kind === 'plan.check-answered')?.data.message).toMatch(/identical check .* exited 0/);
  }, 120_000);

  it('names cache-stack and recommends blue/green when the target changes it', async () => {
    const plan = await invoke(handlers, 'plan:compute', { cluster: 'offline', to: '26.7.3', set: { 'cache-stack': 'tcp' } });
    plans.push(plan);
    expect(plan.check).toMatchObject({ exitCode: 3, verdict: 'recreate', scratch: 'warm' });
    expect(plan.options.changed).toEqual([{ key: 'cache-stack', from: 'jdbc-ping', to: 'tcp' }]);
    expect(plan.reasons[0]).toMatchObject({ kind: 'option', subject: 'cache-stack', forcesRecreate: true });
    expect(plan.recommended).toBe('blue-green');
    expect(plan.strategies.find((s) => s.name === 'rolling')).toMatchObject({ available: false, why: expect.stringMatching(/cache-stack/) as string });
    // blue/green's copy keeps every session unless the cluster (or the run) says otherwise
    const restore = (p: typeof plan) => p.strategies.find((s) => s.name === 'blue-green')!.steps.find((s) => s.kind === 'green.restore')!.params;
    expect(restore(plan)).toMatchObject({ sessionPolicy: 'keep-all' });
    const detail = getCluster(services.db, 'offline');
    services.clusters.update('offline', clusterSpecSchema.parse({ ...detail.spec, sessionPolicy: 'drop-online' }));
    try {
      expect(restore(await invoke(handlers, 'plan:compute', { cluster: 'offline', to: '26.7.3', set: { 'cache-stack': 'tcp' } }))).toMatchObject({ sessionPolicy: 'drop-online' });
      expect(restore(await invoke(handlers, 'plan:compute', { cluster: 'offline', to: '26.7.3', set: { 'cache-stack': 'tcp' }, sessions: 'drop-all' }))).toMatchObject({ sessionPolicy: 'drop-all' });
    } finally {
      services.clusters.update('offline', clusterSpecSchema.parse(detail.spec));
    }
  }, 120_000);

  it('shows an invalid option as an error with kc.sh\'s words, recommends nothing, and records the run as failed', async () => {
    const plan = await invoke(handlers, 'plan:compute', { cluster: 'offline', to: '26.7.3', set: { 'no-such-option': '1' } });
    plans.push(plan);
    expect(plan.check).toMatchObject({ exitCode: 2, verdict: 'error' });
    expect(plan.check.output).toMatch(/Unknown option: '--no-such-option'/);
    expect(plan.recommended).toBeNull();
    expect(plan.strategies.every((s) => !s.available)).toBe(true);
    const { run } = getRun(services.db, plan.runId);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'tool-failed', message: expect.stringMatching(/exit 2/) as string });
    expect(await invoke(handlers, 'plan:get', { runId: plan.runId })).toEqual(plan);
  }, 120_000);

  it('keeps the secret out of the ledger: runs, events, plans and metadata', () => {
    expect(plans).toHaveLength(3);
    expect(JSON.stringify(exportLedger(services.db))).not.toContain(secret);
  });
});

describe('plan calls that fail before a run starts', () => {
  it('refuses an unknown cluster and a secret option in `set`, with typed errors', async () => {
    await expect(invoke(handlers, 'plan:compute', { cluster: 'nope', to: '26.7.3' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(invoke(handlers, 'plan:compute', { cluster: 'offline', to: '26.7.3', set: { 'db-password': 'x' } })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/secret/) as string });
    await expect(invoke(handlers, 'plan:compute', { cluster: 'offline', to: 'latest' })).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('names the node when metadata is asked of one that is down, with no fallback', async () => {
    await expect(invoke(handlers, 'plan:metadata', { cluster: 'offline', node: 'n2' })).rejects.toMatchObject({ code: 'ssh-failed', message: expect.stringMatching(/127\.0\.30\.252:1/) as string });
  });

  it('lists target versions relative to the cluster', async () => {
    const v = await invoke(handlers, 'plan:versions', { cluster: 'offline' });
    expect(v.current).toBe('26.7.3');
    expect(v.versions).toEqual(expect.arrayContaining([
      expect.objectContaining({ version: '26.7.3', stored: true, change: 'same', direction: 'none' }),
      expect.objectContaining({ version: '26.7.0', change: 'patch', direction: 'down' }),
      expect.objectContaining({ version: '26.5.6', change: 'minor', direction: 'down', downloaded: true }),
    ]));
  }, 180_000);
});
