/**
 * Decommissioning a blue/green colour that no longer serves: the standby kept
 * after a switch (hosts that cost money and hold a copy of the data), or a
 * colour a failed or aborted run left half-built.
 *
 * Why a service of its own, and not a run step: a decommission happens days
 * after the run that made the standby, from the console's button or
 * `keyturn standby decommission`. It acts on what the ledger recorded of the
 * colour, never on the cluster file (which, after a switch, describes the
 * other colour), and it never touches the active colour: the colour that
 * serves is refused by name, whatever is asked.
 *
 * What it does depends on who built the colour: one Keyturn built through the
 * cluster's Terraform is destroyed there (its workspace, then the workspace
 * itself); hosts the cluster file described are not Keyturn's to destroy, so
 * Keycloak is stopped on them with the cluster's stop playbook, limited to the
 * colour's nodes and held to their pinned host keys, and their database is
 * emptied (its tables dropped, the database kept) so the next blue/green can
 * restore into it. `plan` says exactly that,
 * and what it costs, before anything happens.
 */
import type { ClusterDetail } from '../../shared/contract/clusters.ts';
import type { Colour, ColourRecord, ColourRole } from '../../shared/contract/colours.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import { newId } from '../ledger/clock.ts';
import { listColours, setColourRole } from '../ledger/colours-repo.ts';
import { acquireLock, heartbeatLock, releaseLock } from '../ledger/locks-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { runControlRow } from '../ledger/runs-repo.ts';
import { isOwnerAlive } from '../runs/process-owner.ts';
import { runPlaybook } from '../tools/ansible.ts';
import type { PinnedHost } from '../tools/known-hosts.ts';
import { destroyColour } from '../tools/terraform-colour.ts';
import { colourTerraform } from './colour-terraform.ts';
import { createRedactor } from '../tools/redact.ts';
import { emptySchema } from '../tools/postgres-databases.ts';
import { colourSpec } from '../../shared/domain/colour-spec.ts';
import { clusterConnection, clusterSchema } from './database-connection.ts';

export type DecommissionAction =
  | { kind: 'terraform-destroy'; dir: string; workspace: string }
  | { kind: 'stop-keycloak'; playbook: string; inventory: string; hosts: string[] };

/** What a decommission will do and cost, shown before it acts (CLI without --yes, the console's confirmation). */
export interface DecommissionPlan {
  cluster: string;
  colour: Colour;
  role: ColourRole;
  version: string;
  nodes: { name: string; address: string }[];
  action: DecommissionAction;
  /** One sentence: what Keyturn will run. */
  does: string;
  /** One sentence: what goes with the colour. */
  costs: string;
}

export interface StandbyServiceDeps {
  db: Ledger;
  /** `pid@hostname`: the decommission holds the cluster's lock like a run, so no upgrade starts on the cluster meanwhile. */
  owner: string;
}

export interface DecommissionInput {
  cluster: string;
  /** The typed confirmation: must be the cluster's name. */
  confirm: string;
  /** The colour the operator saw as standby; refused when it is (by now) the active one. */
  colour?: Colour | undefined;
}

const resumable = new Set(['pending', 'running', 'paused', 'interrupted']);
const heartbeatMs = 5_000;

const listCommand = (cluster: string) => `keyturn standby list --cluster ${cluster}`;
const listHint = (cluster: string) => `See its colours and their roles: ${listCommand(cluster)}`;

function activeRefusal(cluster: string, rec: ColourRecord): KeyturnError {
  return new KeyturnError('conflict', `${rec.colour} is the active colour of '${cluster}': it serves clients, and Keyturn never decommissions the colour that serves.`,
    `Only a standby (or a colour a failed run left half-built) can be decommissioned. To retire ${rec.colour}, switch to the other colour first (${listCommand(cluster)} shows which is which).`);
}

/** A building colour may go only when the run that built it can never continue (failed, aborted, finished, or gone). */
function buildingRunRefusal(db: Ledger, cluster: string, rec: ColourRecord): KeyturnError | null {
  const status = rec.runId ? runControlRow(db, rec.runId)?.status : undefined;
  if (!status || !resumable.has(status)) return null;
  return new KeyturnError('conflict', `${rec.colour} of '${cluster}' is being built by run ${rec.runId}, which is ${status} and may still continue.`,
    `Abort that run first (keyturn runs abort ${rec.runId}, or roll it back), then decommission what it left.`);
}

/** The colour to decommission: the one asked for, else the standby, else a building colour no run will continue. */
function pickColour(db: Ledger, detail: ClusterDetail, colour?: Colour): ColourRecord {
  const live = listColours(db, detail.id);
  if (colour) {
    const rec = live.find((c) => c.colour === colour);
    if (!rec) throw new KeyturnError('not-found', `Cluster '${detail.name}' has no live ${colour} colour to decommission.`, listHint(detail.name));
    if (rec.role === 'active') throw activeRefusal(detail.name, rec);
    const refusal = rec.role === 'building' ? buildingRunRefusal(db, detail.name, rec) : null;
    if (refusal) throw refusal;
    return rec;
  }
  const standby = live.find((c) => c.role === 'standby');
  if (standby) return standby;
  const building = live.filter((c) => c.role === 'building');
  const abandoned = building.find((c) => buildingRunRefusal(db, detail.name, c) === null);
  if (abandoned) return abandoned;
  if (building[0]) throw buildingRunRefusal(db, detail.name, building[0])!;
  const active = live.find((c) => c.role === 'active');
  throw new KeyturnError('not-found',
    active
      ? `Cluster '${detail.name}' has no standby colour to decommission: its only colour, ${active.colour}, is active and serves clients.`
      : `Cluster '${detail.name}' has no blue/green colours recorded: it runs as its cluster file describes, with nothing kept as standby.`,
    listHint(detail.name));
}

/** The colour's pinned host keys, for the stop playbook's known_hosts; a node without its whole key stops the plan before anything runs. */
function colourHostKeys(cluster: string, rec: ColourRecord): PinnedHost[] {
  return rec.deployment.nodes.map((n) => {
    const host = n.sshHost ?? n.address;
    if (!n.hostKey?.publicKey) {
      throw new KeyturnError('host-key-unconfirmed', `Node ${n.name} (${host}:${n.sshPort}) of ${rec.colour} has no whole host key recorded, so no playbook may run on it.`,
        `Stop Keycloak on ${rec.colour}'s hosts yourself, or record the colour again with a blue/green run (${listCommand(cluster)} shows it).`);
    }
    return { node: n.name, host, port: n.sshPort, algorithm: n.hostKey.algorithm, fingerprint: n.hostKey.fingerprint, publicKey: n.hostKey.publicKey };
  });
}

function planFor(detail: ClusterDetail, rec: ColourRecord): DecommissionPlan {
  const nodes = rec.deployment.nodes.map((n) => ({ name: n.name, address: n.address }));
  const since = rec.role === 'standby' ? `since it last served (${rec.updatedAt})` : 'since it was cloned';
  const costs = `${rec.colour} can no longer be switched back to: writes made on ${rec.colour} ${since} are lost with it, and so is its copy of the data${rec.clonePoint ? ` (cloned from the backup of ${rec.clonePoint})` : ''}.`;
  const base = { cluster: detail.name, colour: rec.colour, role: rec.role, version: rec.version, nodes, costs };
  if (rec.deployment.source === 'terraform') {
    const tf = detail.spec.terraform;
    if (!tf) {
      throw new KeyturnError('invalid-input', `Cluster '${detail.name}' has no terraform.dir, but ${rec.colour} was built through its Terraform (workspace "${rec.colour}").`,
        `Add terraform: { dir } back to the cluster file (keyturn cluster update), or run terraform destroy in workspace "${rec.colour}" yourself.`);
    }
    return { ...base, action: { kind: 'terraform-destroy', dir: tf.dir, workspace: rec.colour }, does: `Terraform destroy of workspace "${rec.colour}" in ${tf.dir} (nodes ${nodes.map((n) => n.name).join(', ')}, its database and load balancer), then the workspace itself.` };
  }
  const ansible = detail.spec.ansible;
  if (!ansible?.stopPlaybook) {
    throw new KeyturnError('invalid-input', `Cluster '${detail.name}' has no ansible.stopPlaybook to stop Keycloak on ${rec.colour}'s hosts.`,
      'Add ansible.stopPlaybook (a playbook that stops Keycloak on the hosts it is limited to) to the cluster file, then decommission again.');
  }
  colourHostKeys(detail.name, rec);
  const hosts = nodes.map((n) => n.name);
  const db = rec.deployment.database;
  const empties = emptiesDatabase(rec);
  if (empties) refuseServingDatabase(detail, rec);
  const stop = `Stop Keycloak on hosts ${nodes.map((n) => `${n.name} (${n.address})`).join(', ')} with ${ansible.stopPlaybook}`;
  return {
    ...base,
    action: { kind: 'stop-keycloak', playbook: ansible.stopPlaybook, inventory: rec.deployment.inventory, hosts },
    does: empties
      ? `${stop}, then empty its database ${db.name} on ${db.address}:${db.port} (its tables dropped, so the next blue/green can restore into it); the hosts and the database themselves are not Keyturn's to destroy and stay.`
      : `${stop}; the hosts and the database ${db.name} on ${db.address}:${db.port} (the cluster's own before its first switch) stay as they are, its data included: empty it before these hosts are described as a standby.`,
  };
}

/**
 * Only a standby the cluster file described is emptied on the way out: its
 * database holds a copy Keyturn restored there. The cluster's own first
 * deployment ('cluster-file') keeps its database as it last served: it held
 * the production data before any switch, and emptying that is the operator's
 * call, not a side effect.
 */
const emptiesDatabase = (rec: ColourRecord): boolean => rec.deployment.source === 'described';

/**
 * A described colour's database is emptied when the colour goes: refused, by
 * name, when it is the database the cluster serves from (a cluster file that
 * after a switch describes the standby's own hosts as the serving ones).
 */
function refuseServingDatabase(detail: ClusterDetail, rec: ColourRecord): void {
  const db = rec.deployment.database;
  const serving = detail.spec.database;
  if (db.address === serving.host && db.port === serving.port && db.name === serving.name) {
    throw new KeyturnError('conflict', `${rec.colour}'s database ${db.name} on ${db.address}:${db.port} is the one cluster '${detail.name}' serves from: Keyturn never empties it.`,
      `Correct the colour's record or the cluster file (${listCommand(detail.name)}), then decommission again. Nothing was changed.`);
  }
}

/**
 * Retires a colour on hosts Keyturn did not create: stops Keycloak there with
 * the cluster's stop playbook (limited to the colour's nodes, held to their
 * pinned host keys), then empties a described standby's database. What
 * decommissioning (and a rollback before the switch) does to such hosts.
 * Refuses, before anything runs, a cluster without a stop playbook, a node
 * without its whole host key, and a database the cluster serves from.
 */
export async function retireColourHosts(detail: ClusterDetail, rec: ColourRecord, opts: { signal?: AbortSignal } = {}): Promise<RetiredHosts> {
  const plan = planFor(detail, rec);
  if (plan.action.kind !== 'stop-keycloak') throw new KeyturnError('internal', `${rec.colour} was built by Terraform: it is destroyed there, not stopped.`, 'Abort the run and roll back again.');
  await runPlaybook({
    playbook: plan.action.playbook,
    inventory: plan.action.inventory,
    limit: plan.action.hosts.join(','),
    hostKeys: colourHostKeys(detail.name, rec),
    ...(rec.deployment.keyPath ? { privateKey: rec.deployment.keyPath } : {}),
    timeoutMs: 10 * 60_000,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const database = `${rec.deployment.database.name} on ${rec.deployment.database.address}:${rec.deployment.database.port}`;
  if (!emptiesDatabase(rec)) return { hosts: plan.action.hosts, database, relationsDropped: null };
  // The copy restored there goes with it (the plan's `costs` says so): the next blue/green restores only into an empty database.
  const spec = colourSpec(detail.spec, rec.deployment);
  const dropped = await emptySchema(await clusterConnection(spec), clusterSchema(spec) ?? 'public', opts.signal ? { signal: opts.signal } : {});
  return { hosts: plan.action.hosts, database, relationsDropped: dropped };
}

/** What retiring a colour on hosts Keyturn did not create did: Keycloak stopped on them, a described standby's database emptied. */
export interface RetiredHosts {
  hosts: string[];
  /** `keycloak on 127.0.20.50:5432`. */
  database: string;
  /** Tables, views and sequences dropped from it (0: it was empty already); null when the database was left as it was. */
  relationsDropped: number | null;
}

/** One line for what the retirement did, for the CLI's progress and the run's event. */
export const retiredText = (r: RetiredHosts): string =>
  `Keycloak stopped on ${r.hosts.join(', ')}; ${r.relationsDropped === null ? `database ${r.database} left as it was` : `database ${r.database} emptied (${r.relationsDropped} tables, views and sequences dropped)`}`;

export function createStandbyService(deps: StandbyServiceDeps) {
  const { db } = deps;
  return {
    /** What `decommission` would do now and what it costs; the same refusals, before anything runs. */
    plan(cluster: string, colour?: Colour): DecommissionPlan {
      const detail = getCluster(db, cluster);
      return planFor(detail, pickColour(db, detail, colour));
    },

    /**
     * Decommissions the standby (or an abandoned building colour) under the
     * cluster's lock, then records it `destroyed`. The colour is chosen again
     * once the lock is held, so a switch that happened meanwhile is seen.
     */
    async decommission(input: DecommissionInput, opts: { signal?: AbortSignal; onProgress?: (line: string) => void } = {}): Promise<ColourRecord> {
      const detail = getCluster(db, input.cluster);
      if (input.confirm !== detail.name) {
        throw new KeyturnError('invalid-input', `The typed confirmation does not match: decommissioning a colour of '${detail.name}' needs its name typed exactly.`,
          `Type the cluster's name, ${detail.name}, to confirm (the CLI does it with --yes).`);
      }
      const lockId = `standby-decommission-${newId().slice(0, 8)}`;
      acquireLock(db, detail.id, lockId, deps.owner, { isOwnerAlive });
      const timer = setInterval(() => heartbeatLock(db, detail.id, lockId), heartbeatMs);
      timer.unref();
      try {
        const rec = pickColour(db, detail, input.colour);
        const plan = planFor(detail, rec);
        opts.onProgress?.(`Decommissioning ${rec.colour} (${rec.role}) of ${detail.name}: ${plan.does}`);
        if (plan.action.kind === 'terraform-destroy') {
          const tf = await colourTerraform(detail.spec, `destroy ${rec.colour}`);
          const r = await destroyColour({ dir: tf.dir, varFiles: tf.varFiles, secretVars: tf.secretVars, redact: createRedactor(tf.secrets), colour: rec.colour, timeoutMs: 30 * 60_000, ...(opts.signal ? { signal: opts.signal } : {}) });
          opts.onProgress?.(r.destroyed ? `Workspace "${rec.colour}" destroyed (${r.summary?.changes?.remove ?? 0} resources) and deleted.` : `Workspace "${rec.colour}" no longer exists: nothing left to destroy.`);
        } else {
          const r = await retireColourHosts(detail, rec, opts.signal ? { signal: opts.signal } : {});
          opts.onProgress?.(`${retiredText(r)}.`);
        }
        return setColourRole(db, rec.id, 'destroyed');
      } finally {
        clearInterval(timer);
        releaseLock(db, detail.id, lockId);
      }
    },
  };
}

export type StandbyService = ReturnType<typeof createStandbyService>;
