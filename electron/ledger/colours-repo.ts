/**
 * The ledger's memory of a cluster's blue/green colours: where each runs,
 * which one serves, which one is kept as standby, which were destroyed.
 *
 * Role changes go through `promoteColour` and `setColourRole` in single
 * transactions guarded by the schema (one live row per colour, one active
 * colour per cluster), so a crash between "green active" and "blue standby"
 * can never leave two colours serving in the record.
 */
import { colourDeploymentSchema, type Colour, type ColourDeployment, type ColourRecord, type ColourRole } from '../../shared/contract/colours.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { newId, nowIso } from './clock.ts';
import type { ClusterSpec } from '../../shared/contract/clusters.ts';
import { clusterIdByName, pinHostKey, updateCluster } from './clusters-repo.ts';
import type { Ledger } from './open-ledger.ts';

interface Row {
  id: string;
  cluster_name: string;
  colour: Colour;
  role: ColourRole;
  deployment: string;
  version: string;
  run_id: string | null;
  clone_point: string | null;
  created_at: string;
  updated_at: string;
}

const select = 'SELECT k.*, c.name AS cluster_name FROM cluster_colours k JOIN clusters c ON c.id = k.cluster_id';

const toRecord = (r: Row): ColourRecord => ({
  id: r.id,
  clusterName: r.cluster_name,
  colour: r.colour,
  role: r.role,
  deployment: colourDeploymentSchema.parse(JSON.parse(r.deployment)),
  version: r.version,
  runId: r.run_id,
  clonePoint: r.clone_point,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface NewColour {
  clusterId: string;
  deployment: ColourDeployment;
  version: string;
  runId: string | null;
  clonePoint?: string | null;
}

/**
 * Records the colour a run is building (role `building`). Idempotent for a
 * resumed run: the same run building the same colour gets its row back,
 * updated with what it learned since. A live row of that colour from
 * anything else is refused: it still runs somewhere, and building over it
 * would lose track of it.
 */
export function recordBuildingColour(db: Ledger, c: NewColour): ColourRecord {
  const deployment = JSON.stringify(colourDeploymentSchema.parse(c.deployment));
  const colour = c.deployment.colour;
  return db.transaction(() => {
    const live = db.prepare(`${select} WHERE k.cluster_id = ? AND k.colour = ? AND k.role <> 'destroyed'`).get(c.clusterId, colour) as Row | undefined;
    if (live && !(live.role === 'building' && live.run_id === c.runId)) {
      throw new KeyturnError('conflict', `Cluster '${live.cluster_name}' already has a ${colour} colour (${live.role}, built ${live.created_at}).`,
        live.role === 'standby' ? `Decommission it first: keyturn standby decommission --cluster ${live.cluster_name} --yes` : 'Finish or roll back the run that uses it first.');
    }
    const now = nowIso();
    if (live) {
      db.prepare('UPDATE cluster_colours SET deployment = ?, version = ?, clone_point = COALESCE(?, clone_point), updated_at = ? WHERE id = ?').run(deployment, c.version, c.clonePoint ?? null, now, live.id);
      return toRecord(db.prepare(`${select} WHERE k.id = ?`).get(live.id) as Row);
    }
    const id = newId();
    db.prepare('INSERT INTO cluster_colours (id, cluster_id, colour, role, deployment, version, run_id, clone_point, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, c.clusterId, colour, 'building', deployment, c.version, c.runId, c.clonePoint ?? null, now, now);
    return toRecord(db.prepare(`${select} WHERE k.id = ?`).get(id) as Row);
  })();
}

/**
 * Records the colour that serves, as the cluster record describes it now
 * (`deployment`), so the switch can make it the standby. The first
 * blue/green run inserts it; a later one refreshes the active record from the
 * cluster record, keeping where it came from (`source`): the cluster record
 * is what serves, and a colour record older than it (host keys pinned again,
 * a node replaced, a lab rebuilt) would put stale keys back on a switch back.
 * Returns the active record.
 */
export function ensureActiveColour(db: Ledger, clusterId: string, deployment: ColourDeployment, version: string): ColourRecord {
  return db.transaction(() => {
    const active = db.prepare(`${select} WHERE k.cluster_id = ? AND k.role = 'active'`).get(clusterId) as Row | undefined;
    if (active) {
      const current = toRecord(active);
      const refreshed = colourDeploymentSchema.parse({ ...deployment, colour: current.colour, source: current.deployment.source });
      db.prepare('UPDATE cluster_colours SET deployment = ?, version = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(refreshed), version, nowIso(), current.id);
      return toRecord(db.prepare(`${select} WHERE k.id = ?`).get(current.id) as Row);
    }
    const id = newId();
    const now = nowIso();
    db.prepare('INSERT INTO cluster_colours (id, cluster_id, colour, role, deployment, version, run_id, clone_point, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)')
      .run(id, clusterId, deployment.colour, 'active', JSON.stringify(colourDeploymentSchema.parse(deployment)), version, now, now);
    return toRecord(db.prepare(`${select} WHERE k.id = ?`).get(id) as Row);
  })();
}

/** A cluster's live colours (not destroyed), or every one when asked for history; newest first. */
export function listColours(db: Ledger, clusterId: string, opts: { includeDestroyed?: boolean } = {}): ColourRecord[] {
  const where = opts.includeDestroyed ? '' : " AND k.role <> 'destroyed'";
  return (db.prepare(`${select} WHERE k.cluster_id = ?${where} ORDER BY k.created_at DESC, k.rowid DESC`).all(clusterId) as Row[]).map(toRecord);
}

/** The live record of one colour, or null. */
export function liveColour(db: Ledger, clusterId: string, colour: Colour): ColourRecord | null {
  const r = db.prepare(`${select} WHERE k.cluster_id = ? AND k.colour = ? AND k.role <> 'destroyed'`).get(clusterId, colour) as Row | undefined;
  return r ? toRecord(r) : null;
}

/**
 * Records a switch: `to` becomes active and the colour that served (if it
 * has a record) becomes standby, in one transaction. Idempotent.
 */
export function promoteColour(db: Ledger, clusterId: string, to: Colour, runId: string | null): ColourRecord {
  return db.transaction(() => {
    const target = liveColour(db, clusterId, to);
    if (!target) throw new KeyturnError('not-found', `No live ${to} colour is recorded for this cluster.`, 'Build it with a blue/green upgrade first.');
    const now = nowIso();
    db.prepare("UPDATE cluster_colours SET role = 'standby', run_id = COALESCE(?, run_id), updated_at = ? WHERE cluster_id = ? AND role = 'active' AND colour <> ?").run(runId, now, clusterId, to);
    db.prepare("UPDATE cluster_colours SET role = 'active', run_id = COALESCE(?, run_id), updated_at = ? WHERE id = ?").run(runId, now, target.id);
    return liveColour(db, clusterId, to)!;
  })();
}

/** Sets one colour's role (`standby` after a switch back, `destroyed` after a decommission or a build that was removed). */
export function setColourRole(db: Ledger, id: string, role: Exclude<ColourRole, 'active'>, runId: string | null = null): ColourRecord {
  const info = db.prepare('UPDATE cluster_colours SET role = ?, run_id = COALESCE(?, run_id), updated_at = ? WHERE id = ?').run(role, runId, nowIso(), id);
  if (info.changes === 0) throw new KeyturnError('not-found', `No colour record ${id}.`, 'List them with `keyturn standby list`.');
  return toRecord(db.prepare(`${select} WHERE k.id = ?`).get(id) as Row);
}

/**
 * Makes `to` the cluster's active colour and its record describe that colour
 * (`spec`: its nodes, database, load balancer, inventory and version, with
 * the host keys pinned when the colour was built), in one transaction: every
 * later plan, backup and upgrade acts on what serves, and a crash never
 * leaves the colours and the cluster record disagreeing. Idempotent.
 */
export function activateColour(db: Ledger, clusterName: string, to: Colour, spec: ClusterSpec, runId: string | null): ColourRecord {
  return db.transaction(() => {
    const record = promoteColour(db, clusterIdByName(db, clusterName), to, runId);
    updateCluster(db, clusterName, spec);
    for (const n of record.deployment.nodes) if (n.hostKey) pinHostKey(db, spec.name, n.name, n.hostKey);
    return record;
  })();
}
