/**
 * Whole-cluster steps: preflight (everything reachable and healthy before
 * anything changes), the backup every upgrade takes first, and the final
 * verification that records the new version.
 */
import { existsSync } from 'node:fs';
import { clusterSpecSchema, type Backup } from '../../../shared/contract/index.ts';
import { KeyturnError } from '../../../shared/errors.ts';
import { updateCluster } from '../../ledger/clusters-repo.ts';
import { listBackups } from '../../ledger/backups-repo.ts';
import { colourTerraform } from '../../services/colour-terraform.ts';
import { prepareSchemaGuard } from '../../services/schema-guard.ts';
import { findExecutable } from '../../tools/executable.ts';
import { showServers } from '../../tools/haproxy.ts';
import { assessCheckTolerance } from '../../tools/haproxy-checks.ts';
import { checkHealth, clusterSize } from '../../tools/health.ts';
import { loadBalancerOf, nodeAddress, param, type StepImpl } from '../engine-context.ts';
import { installedVersion, openNode, pinnedHostKeys, readNewHostKey } from './node-access.ts';
import { targetOptionsOf } from './install-options.ts';
import { prepareTarget, probeOnce } from '../probe-request.ts';
import { runProbeTarget } from '../run-probe-target.ts';

/** SSH to every node with its pinned key, every node ready, the balancer knows every node, the target fetched. */
export const preflight: StepImpl = async (ctx) => {
  const { cluster } = ctx;
  // Every playbook run writes its known_hosts from these: a node without a whole pinned key stops the run here, not mid-way.
  if (cluster.spec.ansible) pinnedHostKeys(cluster);
  const problems: string[] = [];
  for (const node of cluster.spec.nodes) {
    try {
      const s = await openNode(cluster, node, ctx.signal);
      await s.exec(['true'], { timeoutMs: 10_000 });
      await s.close();
    } catch (err) {
      // A changed key stops everything at once, naming the node and both fingerprints (pinned, presented).
      if (err instanceof KeyturnError && (err.code === 'host-key-unconfirmed' || err.code === 'host-key-mismatch')) throw err;
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
  if (ctx.params.requireReady !== false) await checkProbeClient(ctx);
  // Rolling drains each node, recreate and restore put them all in maintenance: either way by the node's name.
  if (cluster.spec.loadBalancer) {
    const lb = loadBalancerOf(cluster);
    const servers = await showServers(lb.runtimeApi, lb.backend, { signal: ctx.signal });
    const missing = cluster.spec.nodes.filter((n) => !servers.some((s) => s.name === n.name)).map((n) => n.name);
    if (missing.length) {
      throw new KeyturnError('invalid-input', `HAProxy backend ${lb.backend} has no server named ${missing.join(', ')}.`, 'Name the HAProxy servers after the nodes (n1, n2, ...) so Keyturn can drain each one.');
    }
    // Rolling leaves one node serving while another leaves the cluster: a check that takes it out for its
    // sub-second readiness dip answers every request with 503. Said, never a failure (the settings are the customer's).
    if (ctx.params.strategy === 'rolling') {
      const report = await assessCheckTolerance(lb.runtimeApi, lb.backend, { signal: ctx.signal });
      for (const w of report.warnings) ctx.rec.event('engine', 'preflight.lb-check', 'warn', { message: w.message, hint: w.hint, servers: w.servers });
      if (report.summary) ctx.rec.event('engine', 'preflight.lb-check', 'info', { message: report.summary });
    }
  }
  if (ctx.params.strategy === 'blue-green') {
    if (ctx.params.provision === 'described') await checkDescribedStandby(ctx);
    else await checkColourTerraform(ctx);
  }
  const artifact = await ctx.deps.artifacts.ensure(param(ctx, 'to'), { signal: ctx.signal });
  // The schema guard before each start then only asks the database: in a recreate that start is inside the outage.
  await prepareSchemaGuard(artifact.path, { signal: ctx.signal });
  ctx.rec.event('engine', 'preflight.ok', 'info', { message: `All ${cluster.spec.nodes.length} nodes reachable and ready; Keycloak ${artifact.version} verified (sha256 ${artifact.sha256.slice(0, 12)}…)` });
};

/**
 * Blue/green builds the new colour with the cluster's Terraform: its
 * directory, the terraform program and every secret variable it references
 * must be there before the backup is taken, not found missing after it.
 */
async function checkColourTerraform(ctx: Parameters<StepImpl>[0]): Promise<void> {
  const tf = await colourTerraform(ctx.cluster.spec, 'build the new colour');
  ctx.rec.addSecrets(...tf.secrets);
  if (!existsSync(tf.dir)) throw new KeyturnError('invalid-input', `terraform.dir ${tf.dir} of cluster '${ctx.cluster.name}' does not exist.`, 'Point terraform.dir at the directory holding the module that built the cluster (docs/blue-green-terraform.md), then start again.');
  const missing = tf.varFiles.filter((f) => !existsSync(f));
  if (missing.length) throw new KeyturnError('invalid-input', `terraform.varFile ${missing.join(', ')} of cluster '${ctx.cluster.name}' does not exist.`, 'Fix terraform.varFile in the cluster file, then start again.');
  const program = await findExecutable('terraform', ['/usr/local/bin']);
  if (!program) throw new KeyturnError('tool-missing', 'terraform is not installed on this machine: blue/green builds the new colour with it.', 'Install Terraform (keyturn toolchain lists what is missing), then start again.');
  ctx.rec.event('engine', 'preflight.terraform', 'info', { message: `Terraform ready for the new colour: ${program}, module in ${tf.dir}${Object.keys(tf.secretVars).length ? `, ${Object.keys(tf.secretVars).length} secret variable(s) resolved` : ''}` });
}

/**
 * A described standby must still be in the cluster file, with its inventory,
 * before the backup is taken, and a host whose key fingerprint the file gives
 * must present that key now; the other hosts are first reached (and their
 * keys pinned) when the standby is taken into use.
 */
async function checkDescribedStandby(ctx: Parameters<StepImpl>[0]): Promise<void> {
  const s = ctx.cluster.spec.blueGreen?.standby;
  if (!s) throw new KeyturnError('invalid-input', `The plan takes the new colour from the standby described in the cluster file, but cluster '${ctx.cluster.name}' describes none (blueGreen.standby).`, 'Describe the standby again (keyturn cluster update), or plan again. Nothing was changed.');
  if (!existsSync(s.inventory)) throw new KeyturnError('invalid-input', `blueGreen.standby.inventory ${s.inventory} of cluster '${ctx.cluster.name}' does not exist.`, 'Point it at the Ansible inventory of the standby hosts, then start again. Nothing was changed.');
  // A host whose key the file gives must present it now, before the backup: the provision step holds it to the same key.
  const given = s.nodes.filter((x) => x.hostKeyFingerprint);
  for (const n of given) {
    await readNewHostKey({ name: n.name, host: n.sshHost ?? n.address, port: n.sshPort, expectedFingerprint: n.hostKeyFingerprint }, ctx.signal);
  }
  const keys = given.length === s.nodes.length ? `; host keys as the cluster file gives them (${given.map((n) => n.name).join(', ')})`
    : `; ${given.length ? `host keys as the cluster file gives them for ${given.map((n) => n.name).join(', ')}, ` : ''}first contact for ${s.nodes.filter((x) => !x.hostKeyFingerprint).map((n) => n.name).join(', ')} (their keys are pinned and named when the standby is taken into use)`;
  ctx.rec.event('engine', 'preflight.standby', 'info', { message: `Described standby ready: ${s.nodes.map((n) => `${n.name} ${n.address}`).join(', ')}; database ${s.database.address}:${s.database.port}/${s.database.name}; load balancer ${s.loadBalancer.address}:${s.loadBalancer.port}; inventory ${s.inventory}${keys}` });
}

/**
 * The probe client gets a token through the public name before anything
 * changes: a wrong client secret must stop the run here, not show up as a
 * run full of failed requests, or as a node that "issues no token" after it
 * was switched. Up to three tries, so one slow answer is not an outage.
 */
async function checkProbeClient(ctx: Parameters<StepImpl>[0]): Promise<void> {
  const probe = await runProbeTarget(ctx.cluster.name, ctx.cluster.spec, (s) => ctx.rec.addSecrets(s));
  if ('disabled' in probe) return;
  const target = prepareTarget(probe.target);
  const tries: string[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await probeOnce(target, 5000);
    if (s.ok) {
      ctx.rec.event('engine', 'preflight.probe', 'info', { message: `Probe client ${probe.target.clientId} got a token through ${new URL(probe.target.url).host} in ${Math.round(s.latencyMs)} ms` });
      return;
    }
    tries.push(s.reason ?? 'other');
  }
  const auth = tries.some((r) => r === 'http-400' || r === 'http-401');
  throw new KeyturnError('invalid-input', `Preflight failed; nothing was changed: the probe client '${probe.target.clientId}' got no token through ${probe.target.url} (${tries.join(', ')}).`,
    auth ? 'Check probe.clientSecretRef and the client in the realm (confidential, service accounts enabled), then start again.'
      : 'The cluster does not serve tokens through its public name right now: check DNS and the load balancer, then start again.');
}

/**
 * This run's backup: the dump it already took (a resumed run), else a new
 * one; with `verify`, proven by a restore into a scratch database (once).
 * Recreate's backup step and blue/green's clone point both go through here.
 */
export async function runBackupTaken(ctx: Parameters<StepImpl>[0], verify: boolean, nothingDone: string): Promise<Backup> {
  const existing = listBackups(ctx.deps.db, ctx.cluster.id).find((x) => x.runId === ctx.runId);
  const b = existing ?? (await ctx.deps.backups.create(ctx.cluster.name, { runId: ctx.runId, signal: ctx.signal }));
  if (!existing) ctx.rec.event('engine', 'backup.created', 'info', { message: `Backup ${b.id}: ${b.size} bytes, sha256 ${b.sha256.slice(0, 12)}…`, backupId: b.id, changelogRows: b.changelog?.count ?? null });
  if (!verify || b.verifiedAt) return b;
  const v = await ctx.deps.backups.verify(b.id, { signal: ctx.signal });
  if (!v.verifiedAt) throw new KeyturnError('artifact-failed', `Backup ${b.id} did not restore: ${v.lastVerification?.error ?? 'see the verification'}.`, `${nothingDone} Fix the database or the backup location, then start again.`);
  return v;
}

/**
 * pg_dump before any change; a failed backup stops the run here. With
 * `verifyBackup` (recreate: the backup is its way back from the migration)
 * the dump is also restored into a scratch database and counted, so a
 * restore rollback relies on a proven dump and knows its key-table counts.
 */
export const backup: StepImpl = async (ctx) => {
  const verify = ctx.params.verifyBackup === true;
  const b = await runBackupTaken(ctx, verify, 'Nothing was changed on the cluster: without a proven backup there is no way back from the migration.');
  if (verify) ctx.rec.event('engine', 'backup.verified', 'info', { message: `Backup ${b.id.slice(0, 8)} verified by a restore into a scratch database (${b.lastVerification?.realms ?? '?'} realms, ${b.lastVerification?.changelogRows ?? '?'} change sets)`, backupId: b.id });
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
  // The record follows what now runs: the version, and the options the approved plan applied (an options-only change).
  const options = targetOptionsOf(ctx.params) ?? cluster.spec.keycloak.options;
  const spec = clusterSpecSchema.parse({ ...cluster.spec, keycloak: { ...cluster.spec.keycloak, version: to, options } });
  updateCluster(ctx.deps.db, cluster.name, spec);
  // No metadata capture here: the next plan takes it from a live node (none is recorded for this version
  // and these options yet), which also sees any option changed after this run.
  ctx.rec.event('engine', 'cluster.version', 'info', { message: `Cluster ${cluster.name} is on Keycloak ${to}`, version: to, options });
};
