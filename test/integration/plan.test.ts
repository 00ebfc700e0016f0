/**
 * Issue 4 on the real lab: `keyturn plan` takes metadata from a live node over
 * SSH (its own kc.sh, `--optimized`, never rebuilding it), checks the target
 * with the target's kc.sh in a scratch copy, and explains the answer.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { keyturn, ensureLabUp } from './lab-harness.ts';
import { ensureLabAt } from './lab-cluster.ts';

const lab = inject('lab');

beforeAll(async () => {
  await ensureLabUp(lab);
  await ensureLabAt(lab.home, lab.version);
}, 60 * 60_000);
const target = '26.7.3';

interface PlanJson {
  runId: string;
  from: string;
  to: string;
  change: { kind: string; direction: string };
  check: { exitCode: number; verdict: string; output: string; metadataSource: string; metadataNode: string | null; metadataDurationMs: number; scratch: string };
  recommended: string | null;
  strategies: { name: string; available: boolean; executable: boolean; recommended: boolean; downtime: { seconds: number }; steps: { kind: string; node: string | null }[] }[];
  reasons: { kind: string; subject: string; forcesRecreate: boolean }[];
}

async function plan(args: string[]): Promise<PlanJson> {
  const r = await keyturn(lab.home, ['plan', '--cluster', 'lab', '--to', target, ...args, '--json'], { timeoutMs: 15 * 60_000 });
  expect(r.exitCode, `${r.stderr}\n${r.stdout.slice(0, 2000)}`).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
}

/** When each node's installation was last built: a rebuild rewrites lib/quarkus. */
async function buildStamps(): Promise<Record<string, number>> {
  const show = await keyturn(lab.home, ['cluster', 'show', 'lab', '--json']);
  expect(show.exitCode, show.stderr).toBe(0);
  const detail = JSON.parse(show.stdout) as { spec: { nodes: { name: string; keycloakHome: string }[] } };
  return Object.fromEntries(detail.spec.nodes.map((n) => [n.name, statSync(join(n.keycloakHome, 'lib', 'quarkus', 'build-system.properties')).mtimeMs]));
}

describe('keyturn plan on the lab', () => {
  it(`answers rolling for ${lab.version} -> ${target} with metadata from a live node, which it does not rebuild`, async () => {
    const before = await buildStamps();

    const p = await plan([]);
    expect(p.from).toBe(lab.version);
    expect(p.check.exitCode).toBe(0);
    expect(p.check.verdict).toBe('rolling');
    expect(p.check.metadataSource).toBe('node');
    expect(p.check.metadataNode).toBe('n1');
    expect(p.check.output).toContain('[OK] Rolling Update is available.');
    expect(p.recommended).toBe('rolling');
    const rolling = p.strategies.find((s) => s.name === 'rolling')!;
    expect(rolling).toMatchObject({ available: true, recommended: true, downtime: { seconds: 0 } });
    expect(rolling.steps.filter((s) => s.kind === 'node.install').map((s) => s.node)).toEqual(['n1', 'n2']);
    expect(rolling).toMatchObject({ executable: true });
    expect(p.reasons.filter((r) => r.forcesRecreate)).toEqual([]);

    expect(await buildStamps()).toEqual(before);
    const status = JSON.parse((await keyturn(lab.home, ['lab', 'status', '--json'])).stdout) as { clusterSize: number; nodes: { ready: boolean }[] };
    expect(status.clusterSize).toBe(2);
    expect(status.nodes.every((n) => n.ready)).toBe(true);
  });

  it('names cache-stack and rules out rolling when the target changes it, reusing the stored node metadata', async () => {
    const p = await plan(['--set', 'cache-stack=tcp']);
    expect(p.check.exitCode).toBe(3);
    expect(p.check.metadataSource).toBe('node');
    expect(p.check.metadataDurationMs).toBe(0); // taken by the previous plan, still describing the deployment
    // the scratch copy the first plan unpacked; or, when an earlier run asked exactly this, its recorded answer
    expect(['warm', 'answered']).toContain(p.check.scratch);
    expect(['recreate', 'blue-green']).toContain(p.recommended);
    expect(p.strategies.find((s) => s.name === 'rolling')!.available).toBe(false);
    expect(p.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'option', subject: 'cache-stack', forcesRecreate: true })]));
  });

  it('recorded plan runs with kc.sh output and node metadata in the ledger, without the database password', async () => {
    const runs = JSON.parse((await keyturn(lab.home, ['runs', 'list', '--cluster', 'lab', '--json'])).stdout) as { kind: string; status: string }[];
    expect(runs.filter((r) => r.kind === 'plan' && r.status === 'succeeded').length).toBeGreaterThanOrEqual(2);
    const exported = (await keyturn(lab.home, ['ledger', 'export'])).stdout;
    const doc = JSON.parse(exported) as { tables: { compatibility_metadata: { source: string; node: string; keycloak_version: string }[]; events: { source: string }[] } };
    expect(doc.tables.compatibility_metadata).toEqual(expect.arrayContaining([expect.objectContaining({ source: 'node', node: 'n1', keycloak_version: lab.version })]));
    expect(doc.tables.events.some((e) => e.source === 'kcsh')).toBe(true);
    const creds = JSON.parse(readFileSync(join(lab.home, 'lab', 'credentials.json'), 'utf8')) as { dbPassword: string };
    expect(exported).not.toContain(creds.dbPassword);
  });
});
