/**
 * Blue/green's steps (shared/domain/strategy-steps.ts blueGreenSteps and
 * switchBackSteps): green built from the cluster's own Terraform (or a
 * described standby), cloned from a verified backup of blue, upgraded and
 * proven beside it; one traffic switch; blue kept serving through the TTL and
 * kept as the hot standby.
 *
 * Green's steps reuse the node steps (install, ready) on the colour as a
 * cluster (colour-cluster.ts), so they are held to the same host-key pins and
 * schema guard as blue's. Every step is idempotent: the colour record in the
 * ledger says what exists, Terraform's state what it built, the DNS server
 * where traffic points.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterDetail } from '../../../shared/contract/index.ts';
import type { Colour, ColourDeployment, ColourRecord } from '../../../shared/contract/colours.ts';
import { sessionPolicySchema } from '../../../shared/contract/backups.ts';
import { KeyturnError } from '../../../shared/errors.ts';
import { listBackups } from '../../ledger/backups-repo.ts';
import { activateColour, ensureActiveColour, liveColour, recordBuildingColour, setColourRole } from '../../ledger/colours-repo.ts';
import { colourCacheClusterName, colourCacheOptions, colourDatabaseOptions, colourSpec, standbyClashes } from '../../../shared/domain/colour-spec.ts';
import { requestControl } from '../../runs/run-control.ts';
import { colourTerraform } from '../../services/colour-terraform.ts';
import { retireColourHosts, retiredText } from '../../services/standby-service.ts';
import { clusterConnection } from '../../services/database-connection.ts';
import { resolveSecretRef } from '../../services/secret-refs.ts';
import { checkColourView } from '../../tools/green-view.ts';
import { createRedactor } from '../../tools/redact.ts';
import { runSmokeTests, smokeTargetFromSpec } from '../../tools/keycloak-smoke.ts';
import { applyColour, destroyColour } from '../../tools/terraform-colour.ts';
import { colourCluster, servingDeployment } from '../colour-cluster.ts';
import { nodeAddress, param, type StepContext, type StepImpl } from '../engine-context.ts';
import { drainOldColour } from '../traffic-drain.ts';
import { backendsOf, colourTarget, pointTraffic, readTraffic, switchedAtOf } from '../traffic-switch.ts';
import { showServers } from '../../tools/haproxy.ts';
import { watchAfterSwitch } from '../traffic-watch.ts';
import { targetOptionsOf } from './install-options.ts';
import { installNode, waitNodeReady } from './node-steps.ts';
import { readNewHostKey } from './node-access.ts';
import { runBackupTaken } from './cluster-steps.ts';
import { prepareCluster } from './prepare-steps.ts';
import { recordFreezeHolds } from './freeze-steps.ts';

const colourOf = (ctx: StepContext, key: 'colour' | 'serving' | 'toColour' | 'fromColour' | 'active' | 'standby' | 'destroy'): Colour => {
  const v = param(ctx, key);
  if (v !== 'blue' && v !== 'green') throw new KeyturnError('internal', `Step parameter '${key}' is '${v}', not a colour.`, 'Abort the run and plan again.');
  return v;
};

/** The live record of a colour this run works on; its absence means the provision step never ran. */
function recordOf(ctx: StepContext, colour: Colour): ColourRecord {
  const r = liveColour(ctx.deps.db, ctx.cluster.id, colour);
  if (!r) throw new KeyturnError('not-found', `No ${colour} colour is recorded for cluster '${ctx.cluster.name}'.`, 'Its provisioning step has not run: resume the run from there, or plan again.');
  return r;
}

/** The colour as a cluster the node steps run on. */
const clusterOf = (ctx: StepContext, colour: Colour): ClusterDetail => colourCluster(ctx.cluster, recordOf(ctx, colour));

/** The same step context, on another cluster and node. */
const on = (ctx: StepContext, cluster: ClusterDetail, node: string | null, params: Record<string, unknown> = {}): StepContext =>
  ({ ...ctx, cluster, node: node ? cluster.spec.nodes.find((n) => n.name === node) ?? null : null, params: { ...ctx.params, ...params } });

/** The backup this run took and verified (backup.verify): its time is the clone point. */
function runBackup(ctx: StepContext) {
  const b = listBackups(ctx.deps.db, ctx.cluster.id).find((x) => x.runId === ctx.runId && x.verifiedAt);
  if (!b) throw new KeyturnError('not-found', 'This run has no verified backup to clone from.', 'Its backup step has not completed: resume the run, or plan again.');
  return b;
}

/** A fresh backup of the serving colour, proven by a restore into a scratch database; its time is the clone point. */
export const backupAndVerify: StepImpl = async (ctx) => {
  const b = await runBackupTaken(ctx, true, 'Nothing was built yet.');
  const walLsn = b.database?.walLsn ?? null;
  ctx.rec.event('engine', 'backup.clone-point', 'info', { message: `Backup ${b.id.slice(0, 8)} verified by a restore (${b.lastVerification?.realms ?? '?'} realms, ${b.lastVerification?.changelogRows ?? '?'} change sets); clone point ${b.createdAt}${walLsn ? ` (WAL ${walLsn})` : ''}`, backupId: b.id, clonePoint: b.createdAt, walLsn });
};

/**
 * Host keys of the new colour's nodes: read once, right after its Terraform
 * created them or on first contact with a described standby, and recorded
 * (the run's events name every fingerprint, and where the host came from).
 */
async function pinNewHosts(ctx: StepContext, nodes: { name: string; address: string; sshPort: number; sshHost?: string; keycloakHome?: string; hostKeyFingerprint?: string }[], origin = "which this run's Terraform created"): Promise<ColourDeployment['nodes']> {
  const out: ColourDeployment['nodes'] = [];
  for (const { hostKeyFingerprint, ...n } of nodes) {
    const host = n.sshHost ?? n.address;
    const { matched, ...key } = await readNewHostKey({ name: n.name, host, port: n.sshPort, expectedFingerprint: hostKeyFingerprint }, ctx.signal);
    const why = matched ? 'the fingerprint the cluster file gives for it' : origin;
    ctx.rec.event('engine', 'colour.host-key', 'info', { message: `${n.name} (${host}:${n.sshPort}) presented ${key.algorithm} ${key.fingerprint}: pinned for this colour, ${why}`, node: n.name, fingerprint: key.fingerprint, matched });
    out.push({ ...n, hostKey: { ...key, pinnedAt: new Date().toISOString() } });
  }
  return out;
}

/**
 * The standby the cluster file describes, as the colour to build: refused
 * when it names any host, database or load balancer of the serving colour
 * (after a switch the file may still describe the colour that now serves).
 */
async function describedColour(ctx: StepContext, colour: Colour, serving: ColourDeployment): Promise<ColourDeployment> {
  const s = ctx.cluster.spec.blueGreen?.standby;
  if (!s) throw new KeyturnError('invalid-input', `The plan takes ${colour} from the standby described in the cluster file, but cluster '${ctx.cluster.name}' describes none (blueGreen.standby).`, 'Describe the standby again (keyturn cluster update), or plan again.');
  const clash = standbyClashes(s, serving);
  if (clash.length) {
    throw new KeyturnError('invalid-input', `The standby described in the cluster file is the serving colour's own: ${clash.join(', ')}. Building ${colour} there would overwrite what serves.`,
      `Describe the hosts ${colour} is to run on in blueGreen.standby (after a switch, the old colour's hosts once decommissioned), then plan again. Nothing was changed.`);
  }
  return {
    colour,
    source: 'described',
    nodes: await pinNewHosts(ctx, s.nodes, 'described in the cluster file: first contact, compare it with the host\'s own key (ssh-keygen -lf), or give it as hostKeyFingerprint'),
    database: s.database,
    loadBalancer: s.loadBalancer,
    inventory: s.inventory,
    ...(s.keyPath ? { keyPath: s.keyPath } : {}),
  };
}

/**
 * Where the serving colour's load balancer is, read from what sends clients
 * there now: the address the public name resolves to (DNS), or the server of
 * the front HAProxy's backend the name maps to, which must be the serving
 * colour's backend (a front already sending elsewhere is not Keyturn's to
 * guess about).
 */
async function servingBalancer(ctx: StepContext, serving: Colour): Promise<{ address: string; port: number }> {
  const t = ctx.cluster.spec.traffic;
  const before = await readTraffic(ctx.cluster.spec, { signal: ctx.signal });
  if (t.kind === 'dns') {
    if (!before) throw new KeyturnError('not-found', `${t.name} does not resolve on ${t.server}: Keyturn cannot tell which load balancer serves now.`, 'Fix the record, then start again.');
    const publicUrl = new URL(ctx.cluster.spec.keycloak.url ?? `https://${t.name}`);
    return { address: before, port: Number(publicUrl.port || (publicUrl.protocol === 'http:' ? 80 : 443)) };
  }
  const backend = backendsOf(t)[serving];
  if (before !== backend) {
    throw new KeyturnError('conflict', `The front HAProxy maps ${t.name} to ${before === null ? "its default backend (the map has no entry for it)" : `backend '${before}'`}, not to '${backend}', the serving colour's (${serving}).`,
      `Make the map entry of ${t.name} in ${t.map ?? 'traffic.map'} name '${backend}' (or correct traffic.backends), then start again. Nothing was built.`);
  }
  const servers = await showServers(t.runtimeApi, backend, { signal: ctx.signal });
  const lb = servers[0];
  if (!lb) throw new KeyturnError('not-found', `The front HAProxy's backend '${backend}' has no server: Keyturn cannot tell where ${serving}'s load balancer is.`, `Give backend '${backend}' the serving load balancer as its server, then start again.`);
  return { address: lb.address, port: lb.port };
}

/**
 * Creates the new colour with the cluster's own Terraform (workspace per
 * colour), or takes the standby the cluster file describes into use; records
 * it, and records the serving colour before the first switch.
 */
export const provisionColour: StepImpl = async (ctx) => {
  const colour = colourOf(ctx, 'colour');
  const serving = colourOf(ctx, 'serving');
  const provision = ctx.params.provision;
  if (provision !== 'terraform' && provision !== 'described') throw new KeyturnError('internal', `Step parameter 'provision' is '${String(provision)}'.`, 'Abort the run and plan again.');
  const servingRecord = ensureActiveColour(ctx.deps.db, ctx.cluster.id, servingDeployment(ctx.cluster, serving, await servingBalancer(ctx, serving)), ctx.cluster.spec.keycloak.version);
  if (provision === 'described') {
    const taken = liveColour(ctx.deps.db, ctx.cluster.id, colour);
    if (taken?.runId === ctx.runId) return; // resumed: taken into use already, its host keys pinned then
    const deployment = await describedColour(ctx, colour, servingRecord.deployment);
    recordBuildingColour(ctx.deps.db, { clusterId: ctx.cluster.id, deployment, version: param(ctx, 'to'), runId: ctx.runId, clonePoint: runBackup(ctx).createdAt });
    ctx.rec.event('engine', 'colour.provisioned', 'info', { message: `${colour} is the standby described in the cluster file: ${deployment.nodes.map((n) => `${n.name} ${n.address}`).join(', ')}; database ${deployment.database.address}:${deployment.database.port}; load balancer ${deployment.loadBalancer.address}:${deployment.loadBalancer.port}`, colour });
    return;
  }
  const tf = await colourTerraform(ctx.cluster.spec, `build ${colour}`);
  ctx.rec.addSecrets(...tf.secrets);
  const { deployment: out } = await applyColour({ dir: tf.dir, varFiles: tf.varFiles, secretVars: tf.secretVars, redact: createRedactor(tf.secrets), colour, signal: ctx.signal, timeoutMs: 30 * 60_000 });
  const inventory = join(ctx.deps.home, 'colours', ctx.cluster.name, colour, 'inventory.yml');
  await mkdir(join(ctx.deps.home, 'colours', ctx.cluster.name, colour), { recursive: true, mode: 0o700 });
  await writeFile(inventory, out.ansibleInventory, { mode: 0o600 });
  const deployment: ColourDeployment = {
    colour,
    source: 'terraform',
    nodes: await pinNewHosts(ctx, out.nodes),
    database: out.database,
    loadBalancer: out.loadBalancer,
    inventory,
    ...(out.keyPath ? { keyPath: out.keyPath } : {}),
  };
  recordBuildingColour(ctx.deps.db, { clusterId: ctx.cluster.id, deployment, version: param(ctx, 'to'), runId: ctx.runId, clonePoint: runBackup(ctx).createdAt });
  ctx.rec.event('engine', 'colour.provisioned', 'info', { message: `${colour} exists: ${out.nodes.map((n) => `${n.name} ${n.address}`).join(', ')}; database ${out.database.address}:${out.database.port}; load balancer ${out.loadBalancer.address}:${out.loadBalancer.port}`, colour });
};

/** Blue's verified backup into green's empty database; JGROUPS_PING emptied so green never joins blue. */
export const restoreIntoColour: StepImpl = async (ctx) => {
  const colour = colourOf(ctx, 'colour');
  const green = clusterOf(ctx, colour);
  const b = runBackup(ctx);
  const policy = sessionPolicySchema.safeParse(ctx.params.sessionPolicy ?? 'keep-all');
  if (!policy.success) throw new KeyturnError('internal', `Step parameter 'sessionPolicy' is '${String(ctx.params.sessionPolicy)}', not a session policy.`, 'Abort the run and plan again.');
  const r = await ctx.deps.backups.cloneInto(b.id, await clusterConnection(green.spec), { signal: ctx.signal, sessionPolicy: policy.data });
  const dropped = r.sessions.onlineUserSessions + r.sessions.offlineUserSessions;
  ctx.rec.event('engine', 'colour.restored', 'info', { message: `${colour}'s database holds backup ${b.id.slice(0, 8)} (${r.changeSets} change sets)${r.restored ? '' : ', restored earlier'}; ${r.jgroupsRowsCleared} JGROUPS_PING rows of ${colour === 'green' ? 'blue' : 'green'}'s members removed; sessions ${policy.data}${dropped ? `: ${r.sessions.onlineUserSessions} online and ${r.sessions.offlineUserSessions} offline user sessions dropped from the copy` : ''}`, ...r });
};

/**
 * The planned target options, pointed at the new colour's database: the plan
 * lists the serving colour's options, and a node of the new colour that kept
 * them would migrate the serving colour's schema under its running nodes.
 * Refuses when any database address of the serving colour survives.
 */
export function optionsForColour(planned: Record<string, string>, colour: ColourRecord, serving: ColourRecord | null): Record<string, string> {
  const options = colourCacheOptions(colourDatabaseOptions(planned, colour.deployment.database), colour.colour, colour.version);
  const servingDb = serving?.deployment.database;
  const leaks = servingDb && servingDb.address !== colour.deployment.database.address
    ? Object.entries(options).filter(([k, v]) => k.startsWith('db-url') && (v === servingDb.address || v.includes(`//${servingDb.address}:`) || v.includes(`//${servingDb.address}/`)))
    : [];
  if (leaks.length) {
    throw new KeyturnError('internal', `${colour.colour}'s options still name ${serving!.colour}'s database (${leaks.map(([k]) => k).join(', ')}).`, `Nothing was installed on ${colour.colour}. Abort the run and report this.`);
  }
  return options;
}

/** The target on every node of the new colour, one at a time: the first start migrates green's copy of the schema. */
export const installColour: StepImpl = async (ctx) => {
  const record = recordOf(ctx, colourOf(ctx, 'colour'));
  const green = colourCluster(ctx.cluster, record);
  const planned = targetOptionsOf(ctx.params) ?? ctx.cluster.spec.keycloak.options;
  const options = optionsForColour(planned, record, liveColour(ctx.deps.db, ctx.cluster.id, colourOf(ctx, 'serving')));
  // A phased playbook copies, unpacks and builds on every node of the colour at once; only the starts are one after another.
  const phased = green.spec.ansible?.phased === true;
  if (phased) await prepareCluster(on(ctx, green, null, { options, nodes: green.spec.nodes.map((n) => n.name) }));
  for (const [i, n] of green.spec.nodes.entries()) {
    // The first node starts alone (and migrates the copy): nobody to join yet; the next ones join it, which the playbook waits for.
    await installNode(on(ctx, green, n.name, { phased, joinCheck: i > 0, options }));
    await waitNodeReady(on(ctx, green, n.name));
  }
};

/** Green ready as one cluster of its own nodes, blue's view still exactly blue's. */
export const verifyColour: StepImpl = async (ctx) => {
  const colour = colourOf(ctx, 'colour');
  const serving = colourOf(ctx, 'serving');
  const built = recordOf(ctx, colour);
  // the new colour's own cache cluster name, where its version takes one: its discovery rows must carry it
  const planned = targetOptionsOf(ctx.params) ?? ctx.cluster.spec.keycloak.options;
  const ownName = colourCacheClusterName(planned, colour, built.version);
  for (const [name, cluster, clusterName] of [[colour, clusterOf(ctx, colour), ownName], [serving, clusterOf(ctx, serving), undefined]] as const) {
    const view = await checkColourView(await clusterConnection(cluster.spec), cluster.spec.nodes.map((n) => ({ name: n.name, address: nodeAddress(n), managementPort: n.managementPort })), { signal: ctx.signal, clusterName });
    if (!view.ok) throw new KeyturnError('tool-failed', `${name}'s cluster view is not exactly its own ${cluster.spec.nodes.length} nodes: ${view.problems.join('; ')}`, `No traffic was switched. Look at ${name}'s JGROUPS_PING and logs; roll back to remove ${colour}.`);
    ctx.rec.event('engine', 'colour.view', 'info', { message: `${name}: one cluster of ${cluster.spec.nodes.length}, JGROUPS_PING holds only its own nodes${clusterName ? ` (cache cluster ${clusterName})` : ''}`, colour: name, ...(clusterName ? { clusterName } : {}) });
  }
};

/** The smoke tests through green's load balancer with the production host name; any failure means no switch. */
export const smokeColour: StepImpl = async (ctx) => {
  const record = recordOf(ctx, colourOf(ctx, 'colour'));
  const green = colourCluster(ctx.cluster, record);
  const preview = { address: record.deployment.loadBalancer.address, port: record.deployment.loadBalancer.port };
  const result = await runSmokeTests(await smokeTargetFromSpec(green.spec, preview, resolveSecretRef), { signal: ctx.signal });
  for (const c of result.checks) ctx.rec.event('engine', 'colour.smoke', c.ok ? 'info' : 'error', { message: c.ok ? `Passed on ${record.colour}: ${c.name} check` : `Failed on ${record.colour}: ${c.name} check, ${c.reason}`, check: c.name, ok: c.ok });
  const failed = result.checks.filter((c) => !c.ok);
  if (failed.length) {
    throw new KeyturnError('tool-failed', `${record.colour} failed ${failed.length} smoke check${failed.length === 1 ? '' : 's'}: ${failed.map((c) => c.name).join(', ')}. No traffic was switched.`,
      `Blue serves as before. Look at ${record.colour} (keyturn runs show ${ctx.runId}), then roll back to remove it (or keep it for inspection).`);
  }
};

/**
 * What the serving colour took since the clone point and the new colour
 * lacks, counted in the serving database before the decision (users by name,
 * events, sessions): recorded with the run and shown at the gate. A failed
 * count is said, never hidden and never fatal: the decision stays the
 * operator's.
 */
async function recordWritesSinceClone(ctx: StepContext): Promise<void> {
  const serving = param(ctx, 'serving');
  const colour = param(ctx, 'colour');
  try {
    const b = runBackup(ctx);
    const l = await ctx.deps.backups.lostWritesSince(b.id, { signal: ctx.signal });
    const said = l.items.map((i) => i.text).join(' ');
    const listed = l.changes.length ? ` On ${serving}: ${l.changes.map((c) => c.text).join('; ')}${l.changesNotListed ? `; and ${l.changesNotListed} more` : ''}.` : '';
    ctx.rec.event('engine', 'promotion.lost-writes', 'info', { message: `Since the clone point (${b.createdAt}) ${serving} took what ${colour} lacks: ${said}${listed}${l.uncounted.length ? ` Not counted: ${l.uncounted.join(' ')}` : ''}`, clonePoint: b.createdAt, users: l.users, events: l.events, adminEvents: l.adminEvents, sessions: l.sessions, changes: l.changes, changesNotListed: l.changesNotListed, uncounted: l.uncounted });
  } catch (err) {
    ctx.rec.event('engine', 'promotion.lost-writes', 'warn', { message: `Keyturn could not count what ${serving} took since the clone point: ${(err as Error).message}` });
  }
}

/** With manual promotion the run pauses here (the CLI exits 8) until the operator resumes it; automatic promotion goes on. Either way it first counts what green lacks. */
export const promotionGate: StepImpl = async (ctx) => {
  if (ctx.params.freeze === true) await recordFreezeHolds(ctx, colourOf(ctx, 'serving'));
  await recordWritesSinceClone(ctx);
  if (ctx.params.promote !== 'manual') return;
  requestControl(ctx.deps.db, ctx.runId, 'pause');
  ctx.rec.event('engine', 'promotion.waiting', 'info', { message: `${param(ctx, 'colour')} passed its checks; promote it with keyturn runs resume ${ctx.runId} (or "Promote" in the console)` });
};

/** Where traffic points, in words: an address (DNS), or a backend of the front HAProxy. */
const whereText = (ctx: StepContext) => (points: string): string => (ctx.cluster.spec.traffic.kind === 'dns' ? points : `front backend ${points}`);

/** When this run switched traffic (the event traffic.switch recorded), or null. */
function switchedAt(ctx: StepContext): Date | null {
  const at = switchedAtOf(ctx.deps.db, ctx.runId);
  return at ? new Date(at) : null;
}

/**
 * The one switch: the public name to the colour's load balancer (DNS) or
 * backend (front HAProxy), read back.
 * Forward, it first counts again what the copy lacks: a run that waited at a
 * manual gate took writes and sign-ins after the gate's count, and the run
 * records what it actually left behind at the moment it switched.
 */
export const switchTraffic: StepImpl = async (ctx) => {
  const to = colourOf(ctx, 'toColour');
  if (ctx.params.strategy === 'blue-green' && !switchedAt(ctx)) await recordWritesSinceClone(ctx);
  const r = await pointTraffic(ctx.cluster.spec, colourTarget(ctx.cluster.spec, recordOf(ctx, to)), { signal: ctx.signal });
  const at = r.changed ? r.at : (switchedAt(ctx)?.toISOString() ?? r.at);
  const where = whereText(ctx);
  ctx.rec.event('engine', 'traffic.switched', 'warn', { message: `${ctx.cluster.spec.traffic.name} now points at ${to} (${where(r.now)})${r.previous ? `, was ${where(r.previous)}` : ''}`, to, previous: r.previous, now: r.now, at, changed: r.changed });
};

/** The colour traffic left keeps serving for TTL + grace; its HAProxy counters say when its last request came. */
export const drainTraffic: StepImpl = async (ctx) => {
  const from = recordOf(ctx, colourOf(ctx, 'fromColour'));
  const at = switchedAt(ctx);
  if (!at) throw new KeyturnError('internal', 'The drain found no switch in this run.', 'Abort the run and look at where the name points.');
  const ttl = Number(ctx.params.ttl ?? 0);
  const grace = Number(ctx.params.graceSeconds ?? 0);
  const r = await drainOldColour({ runtimeApi: from.deployment.loadBalancer.runtimeApi, backend: from.deployment.loadBalancer.backend, switchedAt: at, waitSeconds: ttl + grace, signal: ctx.signal });
  ctx.rec.event('engine', 'traffic.drained', r.stillReceiving ? 'warn' : 'info', {
    message: r.lastRequestAfterSwitchSeconds === null ? `${from.colour} received no request since HAProxy started` : `All traffic off ${from.colour} ${r.lastRequestAfterSwitchSeconds} s after the switch (${r.sessionsAfterSwitch} sessions reached it after the switch)${r.stillReceiving ? '; it still receives requests' : ''}`,
    ...r,
  });
};

/** The prober on the public name for the window; too many failures switch back to the standby on their own. */
export const watchTraffic: StepImpl = async (ctx) => {
  const at = switchedAt(ctx);
  if (!at) throw new KeyturnError('internal', 'The watch found no switch in this run.', 'Abort the run and look at where the name points.');
  const threshold = typeof ctx.params.failureThreshold === 'number' ? ctx.params.failureThreshold : null;
  const r = await watchAfterSwitch({ db: ctx.deps.db, runId: ctx.runId, sinceMs: at.getTime(), windowSeconds: Number(ctx.params.watchSeconds ?? 60), threshold: threshold ?? 0.999, signal: ctx.signal });
  ctx.rec.event('probe', 'traffic.watched', r.held ? 'info' : 'error', { message: r.held ? `Held for ${r.watchedSeconds} s: ${r.failed} of ${r.requests} requests failed` : `Not held: ${r.breach}`, ...r });
  if (r.held || threshold === null || typeof ctx.params.switchBackTo !== 'string') return;
  const back = recordOf(ctx, ctx.params.switchBackTo as Colour);
  const s = await pointTraffic(ctx.cluster.spec, colourTarget(ctx.cluster.spec, back), { signal: ctx.signal });
  ctx.rec.event('engine', 'traffic.switched-back', 'error', { message: `Switched ${ctx.cluster.spec.traffic.name} back to ${back.colour} (${whereText(ctx)(s.now)}) on its own: ${r.breach}`, to: back.colour, at: s.at });
  throw new KeyturnError('tool-failed', `The new colour did not hold (${r.breach}); traffic was switched back to ${back.colour}.`, `${back.colour} serves as before. Look at the run (keyturn runs show ${ctx.runId}); the new colour is kept for inspection until you roll back.`);
};

/** Which colour serves and which is kept, in the ledger (one transaction). */
export const recordStandby: StepImpl = async (ctx) => {
  const active = colourOf(ctx, 'active');
  const standby = colourOf(ctx, 'standby');
  if (ctx.params.standbyRole === 'inspection') {
    setColourRole(ctx.deps.db, recordOf(ctx, standby).id, 'standby', ctx.runId);
    ctx.rec.event('engine', 'standby.recorded', 'info', { message: `${standby} is kept for inspection, never promoted; ${active} stays active`, active, standby });
    return;
  }
  const record = recordOf(ctx, active);
  // Forward, the colour runs the plan's target options (with its edits); a switch back returns to a colour that runs what it ran.
  const planned = ctx.params.strategy === 'blue-green' ? targetOptionsOf(ctx.params) : undefined;
  const base = planned ? { ...ctx.cluster.spec, keycloak: { ...ctx.cluster.spec.keycloak, options: planned } } : ctx.cluster.spec;
  const derived = colourSpec(base, record.deployment, record.version);
  activateColour(ctx.deps.db, ctx.cluster.name, active, { ...derived, keycloak: { ...derived.keycloak, version: record.version } }, ctx.runId);
  // After a watch that switched back on its own, the active colour never changed and the other one is still "building": it is the standby now.
  const kept = liveColour(ctx.deps.db, ctx.cluster.id, standby);
  if (kept && kept.role !== 'standby') setColourRole(ctx.deps.db, kept.id, 'standby', ctx.runId);
  ctx.rec.event('engine', 'standby.recorded', 'info', { message: `${active} is active (Keycloak ${record.version}; the cluster record now describes its nodes, database and load balancer); ${standby} is kept as standby (keyturn standby list --cluster ${ctx.cluster.name})`, active, standby });
};

/** Removes the colour a run built before any switch (Terraform destroy of its workspace); the serving colour never changed. */
export const destroyColourStep: StepImpl = async (ctx) => {
  const colour = colourOf(ctx, 'destroy');
  const record = liveColour(ctx.deps.db, ctx.cluster.id, colour);
  if (record?.deployment.source === 'described' || (!record && ctx.params.provision === 'described')) {
    // Hosts the cluster file described are not Keyturn's to destroy: Keycloak is stopped on them.
    if (record) {
      const r = await retireColourHosts(ctx.cluster, record, ctx.signal ? { signal: ctx.signal } : {});
      setColourRole(ctx.deps.db, record.id, 'destroyed', ctx.runId);
      ctx.rec.event('engine', 'colour.destroyed', 'info', { message: `${colour}'s described standby retired: ${retiredText(r)}; the hosts stay`, colour, relationsDropped: r.relationsDropped });
    }
    return;
  }
  const tf = await colourTerraform(ctx.cluster.spec, `destroy ${colour}`);
  ctx.rec.addSecrets(...tf.secrets);
  await destroyColour({ dir: tf.dir, varFiles: tf.varFiles, secretVars: tf.secretVars, redact: createRedactor(tf.secrets), colour, signal: ctx.signal, timeoutMs: 30 * 60_000 });
  if (record) setColourRole(ctx.deps.db, record.id, 'destroyed', ctx.runId);
  ctx.rec.event('engine', 'colour.destroyed', 'info', { message: `${colour} destroyed (Terraform workspace "${colour}")`, colour });
};
