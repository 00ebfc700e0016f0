/**
 * Whole-cluster steps: preflight (everything reachable and healthy before
 * anything changes), the backup every upgrade takes first, and the final
 * verification that records the new version.
 */
import { clusterSpecSchema } from '../../../shared/contract/index.ts';
import { KeyturnError } from '../../../shared/errors.ts';
import { updateCluster } from '../../ledger/clusters-repo.ts';
import { showServers } from '../../tools/haproxy.ts';
import { checkHealth, clusterSize } from '../../tools/health.ts';
import { loadBalancerOf, nodeAddress, param, type StepImpl } from '../engine-context.ts';
import { installedVersion, openNode } from './node-access.ts';

/** SSH to every node with its pinned key, every node ready, the balancer knows every node, the target fetched. */
export const preflight: StepImpl = async (ctx) => {
  const { cluster } = ctx;
  const problems: string[] = [];
  for (const node of cluster.spec.nodes) {
    try {
      const s = await openNode(cluster, node, ctx.signal);
      await s.exec(['true'], { timeoutMs: 10_000 });
      await s.close();
    } catch (err) {
      if (err instanceof KeyturnError && err.code === 'host-key-unconfirmed') throw err;
      problems.push(`${node.name}: SSH to ${node.user}@${node.host}:${node.port} failed: ${(err as Error).message}`);
      continue;
    }
    if (ctx.params.requireReady === false) continue;
    const health = await checkHealth({ address: nodeAddress(node), managementPort: node.managementPort, path: '/health/ready', timeoutMs: 5000 });
    if (health.status !== 'UP') problems.push(`${node.name}: /health/ready is ${health.status}`);
  }
  if (problems.length) {
    throw new KeyturnError('ssh-failed', `Preflight failed; nothing was changed:\n  ${problems.join('\n  ')}`, 'Make every node reachable and ready, then start the upgrade again.');
  }
  if (param(ctx, 'strategy') === 'rolling') {
    const lb = loadBalancerOf(cluster);
    const servers = await showServers(lb.runtimeApi, lb.backend, { signal: ctx.signal });
    const missing = cluster.spec.nodes.filter((n) => !servers.some((s) => s.name === n.name)).map((n) => n.name);
    if (missing.length) {
      throw new KeyturnError('invalid-input', `HAProxy backend ${lb.backend} has no server named ${missing.join(', ')}.`, 'Name the HAProxy servers after the nodes (n1, n2, ...) so Keyturn can drain each one.');
    }
  }
  const artifact = await ctx.deps.artifacts.ensure(param(ctx, 'to'), { signal: ctx.signal });
  ctx.rec.event('engine', 'preflight.ok', 'info', { message: `All ${cluster.spec.nodes.length} nodes reachable and ready; Keycloak ${artifact.version} verified (sha256 ${artifact.sha256.slice(0, 12)}…)` });
};

/** pg_dump before any change; a failed backup stops the run here. */
export const backup: StepImpl = async (ctx) => {
  const b = await ctx.deps.backups.create(ctx.cluster.name, { runId: ctx.runId, signal: ctx.signal });
  ctx.rec.event('engine', 'backup.created', 'info', { message: `Backup ${b.id}: ${b.size} bytes, sha256 ${b.sha256.slice(0, 12)}…`, backupId: b.id, changelogRows: b.changelog?.count ?? null });
};

/** Every node on the target version, ready, one cluster; then the ledger records the new version. */
export const verifyCluster: StepImpl = async (ctx) => {
  const to = param(ctx, 'to');
  const { cluster } = ctx;
  const wrong: string[] = [];
  const sizes: number[] = [];
  for (const node of cluster.spec.nodes) {
    const v = await installedVersion(cluster, node, ctx.signal);
    if (v !== to) wrong.push(`${node.name} runs ${v ?? 'nothing'}`);
    const health = await checkHealth({ address: nodeAddress(node), managementPort: node.managementPort, path: '/health/ready' });
    if (health.status !== 'UP') wrong.push(`${node.name} is not ready (${health.status})`);
    sizes.push((await clusterSize({ address: nodeAddress(node), managementPort: node.managementPort }).catch(() => null)) ?? 0);
  }
  if (sizes.some((s) => s !== cluster.spec.nodes.length)) wrong.push(`cluster sizes seen: ${sizes.join(', ')}`);
  if (wrong.length) throw new KeyturnError('tool-failed', `The cluster is not where the run should have left it: ${wrong.join('; ')}.`, 'Look at the node events above; Rollback puts the previous version back.');
  const spec = clusterSpecSchema.parse({ ...cluster.spec, keycloak: { ...cluster.spec.keycloak, version: to } });
  updateCluster(ctx.deps.db, cluster.name, spec);
  // No metadata capture here: the next plan takes it from a live node (none is recorded for this version
  // and these options yet), which also sees any option changed after this run.
  ctx.rec.event('engine', 'cluster.version', 'info', { message: `Cluster ${cluster.name} is on Keycloak ${to}`, version: to });
};
