/**
 * Clusters, their nodes and their Keycloak options in the ledger.
 *
 * The spec is stored whole (for faithful export and editing) and also split
 * into `nodes` and `cluster_options` rows, because pinned host keys and the
 * exact `kc.sh start` options are what the engine reads and what an audit asks
 * about. Secrets exist here only as references.
 */
import type { ClusterDetail, ClusterSpec, ClusterSummary } from '../../shared/contract/index.ts';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { newId, nowIso } from './clock.ts';
import type { Ledger } from './open-ledger.ts';

interface ClusterRow {
  id: string;
  name: string;
  environment: string;
  keycloak_version: string;
  spec_json: string;
  health: ClusterSummary['health'];
  health_checked_at: string | null;
  created_at: string;
  updated_at: string;
}

interface NodeRow {
  name: string;
  host: string;
  ssh_port: number;
  ssh_user: string;
  key_path: string | null;
  host_key_algorithm: string | null;
  host_key_fingerprint: string | null;
  host_key_pinned_at: string | null;
  host_key_public: string | null;
}

/** A host key to pin: `publicKey` is base64 of the wire blob (omitted only by pins that never saw the key). */
export interface HostKeyToPin {
  algorithm: string;
  fingerprint: string;
  publicKey?: string | null;
}

function notFound(name: string): KeyturnError {
  return new KeyturnError('not-found', `No cluster named '${name}' is registered.`, 'List registered clusters with `keyturn cluster list`, or register it first.');
}

function rowByName(db: Ledger, name: string): ClusterRow | undefined {
  return db.prepare('SELECT * FROM clusters WHERE name = ?').get(name) as ClusterRow | undefined;
}

/** Writes nodes and options for a cluster; `keep` carries pinned host keys of nodes whose address didn't change. */
function writeChildren(db: Ledger, clusterId: string, spec: ClusterSpec, keep: Map<string, NodeRow>): void {
  const insertNode = db.prepare(`INSERT INTO nodes (id, cluster_id, name, position, host, ssh_port, ssh_user, key_path, host_key_algorithm, host_key_fingerprint, host_key_pinned_at, host_key_public)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  spec.nodes.forEach((n, i) => {
    const old = keep.get(n.name);
    const same = old && old.host === n.host && old.ssh_port === n.port;
    insertNode.run(newId(), clusterId, n.name, i, n.host, n.port, n.user, n.keyPath ?? null,
      same ? old.host_key_algorithm : null, same ? old.host_key_fingerprint : null, same ? old.host_key_pinned_at : null, same ? old.host_key_public : null);
  });
  const insertOption = db.prepare('INSERT INTO cluster_options (cluster_id, key, value, secret_ref_json) VALUES (?, ?, ?, ?)');
  for (const [k, v] of Object.entries(spec.keycloak.options)) insertOption.run(clusterId, k, v, null);
  for (const [k, ref] of Object.entries(spec.keycloak.secretOptions)) insertOption.run(clusterId, k, null, JSON.stringify(ref));
}

/** Records a new cluster; a taken name is a `conflict`, and nothing is written. */
export function insertCluster(db: Ledger, spec: ClusterSpec, at = nowIso()): string {
  if (rowByName(db, spec.name)) {
    throw new KeyturnError('conflict', `A cluster named '${spec.name}' is already registered.`, 'Pick another name, or edit the existing cluster instead.');
  }
  const id = newId();
  db.transaction(() => {
    db.prepare(`INSERT INTO clusters (id, name, environment, keycloak_version, spec_json, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`).run(id, spec.name, spec.environment, spec.keycloak.version, JSON.stringify(spec), at, at);
    writeChildren(db, id, spec, new Map());
  })();
  return id;
}

/** Replaces a cluster's spec in one transaction, keeping host keys of nodes at the same address. */
export function updateCluster(db: Ledger, name: string, spec: ClusterSpec): void {
  const row = rowByName(db, name);
  if (!row) throw notFound(name);
  if (spec.name !== name && rowByName(db, spec.name)) {
    throw new KeyturnError('conflict', `A cluster named '${spec.name}' is already registered.`, 'Pick another name.');
  }
  db.transaction(() => {
    const old = db.prepare('SELECT * FROM nodes WHERE cluster_id = ?').all(row.id) as NodeRow[];
    db.prepare('DELETE FROM nodes WHERE cluster_id = ?').run(row.id);
    db.prepare('DELETE FROM cluster_options WHERE cluster_id = ?').run(row.id);
    db.prepare('UPDATE clusters SET name = ?, environment = ?, keycloak_version = ?, spec_json = ?, updated_at = ? WHERE id = ?')
      .run(spec.name, spec.environment, spec.keycloak.version, JSON.stringify(spec), nowIso(), row.id);
    writeChildren(db, row.id, spec, new Map(old.map((n) => [n.name, n])));
  })();
}

/** Forgets a cluster and, through cascades, its runs, events and backups records. */
export function deleteCluster(db: Ledger, name: string): void {
  const res = db.prepare('DELETE FROM clusters WHERE name = ?').run(name);
  if (res.changes === 0) throw notFound(name);
}

/** The id of a cluster by name, or a `not-found` error. */
export function clusterIdByName(db: Ledger, name: string): string {
  const row = rowByName(db, name);
  if (!row) throw notFound(name);
  return row.id;
}

/** Full detail of one cluster. */
export function getCluster(db: Ledger, name: string): ClusterDetail {
  const row = rowByName(db, name);
  if (!row) throw notFound(name);
  const nodes = db.prepare('SELECT * FROM nodes WHERE cluster_id = ? ORDER BY position').all(row.id) as NodeRow[];
  return {
    id: row.id,
    name: row.name,
    spec: clusterSpecSchema.parse(JSON.parse(row.spec_json)),
    nodes: nodes.map((n) => ({
      name: n.name,
      host: n.host,
      port: n.ssh_port,
      user: n.ssh_user,
      keyPath: n.key_path,
      hostKey: n.host_key_fingerprint && n.host_key_algorithm && n.host_key_pinned_at
        ? { algorithm: n.host_key_algorithm, fingerprint: n.host_key_fingerprint, publicKey: n.host_key_public, pinnedAt: n.host_key_pinned_at }
        : null,
    })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The fleet: every cluster with what an operator scans for first. */
export function listClusters(db: Ledger): ClusterSummary[] {
  const rows = db.prepare(`
    SELECT c.*,
      (SELECT count(*) FROM nodes n WHERE n.cluster_id = c.id) AS node_count,
      (SELECT max(created_at) FROM backups b WHERE b.cluster_id = c.id) AS last_backup_at
    FROM clusters c ORDER BY c.name`).all() as (ClusterRow & { node_count: number; last_backup_at: string | null })[];
  const lastRun = db.prepare('SELECT id, kind, status, finished_at FROM runs WHERE cluster_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1');
  return rows.map((r) => {
    const run = lastRun.get(r.id) as { id: string; kind: string; status: string; finished_at: string | null } | undefined;
    return {
      id: r.id,
      name: r.name,
      environment: r.environment,
      version: r.keycloak_version,
      nodeCount: r.node_count,
      health: r.health,
      healthCheckedAt: r.health_checked_at,
      lastBackupAt: r.last_backup_at,
      lastRun: run ? { id: run.id, kind: run.kind, status: run.status, finishedAt: run.finished_at } : null,
    };
  });
}

/**
 * Pins a node's SSH host key after the operator confirmed its fingerprint.
 * The whole key is kept (not just its fingerprint) because OpenSSH, and so
 * Ansible, can only check a host against a known_hosts line holding the key.
 */
export function pinHostKey(db: Ledger, clusterName: string, node: string, key: HostKeyToPin): void {
  const id = clusterIdByName(db, clusterName);
  const res = db.prepare('UPDATE nodes SET host_key_algorithm = ?, host_key_fingerprint = ?, host_key_public = ?, host_key_pinned_at = ? WHERE cluster_id = ? AND name = ?')
    .run(key.algorithm, key.fingerprint, key.publicKey ?? null, nowIso(), id, node);
  if (res.changes === 0) throw new KeyturnError('not-found', `Cluster '${clusterName}' has no node named '${node}'.`, 'Check the node names in the cluster detail.');
}

/** Records the outcome of a health check for the fleet view. */
export function setClusterHealth(db: Ledger, clusterName: string, health: ClusterSummary['health']): void {
  db.prepare('UPDATE clusters SET health = ?, health_checked_at = ? WHERE name = ?').run(health, nowIso(), clusterName);
}
