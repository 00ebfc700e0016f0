/**
 * Ledger export and import: a whole ledger as one JSON document, to move a
 * fleet to another laptop or keep an audit copy.
 *
 * Import validates the entire document before writing anything and writes it
 * in one transaction: a malformed file leaves the ledger exactly as it was.
 */
import { z } from 'zod';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { getCluster, listClusters } from './clusters-repo.ts';
import { getRun } from './runs-repo.ts';
import { createRedactor, redactDeep, type Redactor } from '../tools/redact.ts';
import type { Ledger } from './open-ledger.ts';
import { schemaVersion } from './open-ledger.ts';
import { latestSchemaVersion } from './migrations.ts';

/** Tables in dependency order (parents first), with their columns. */
const tables = {
  clusters: ['id', 'name', 'environment', 'keycloak_version', 'spec_json', 'health', 'health_checked_at', 'created_at', 'updated_at'],
  nodes: ['id', 'cluster_id', 'name', 'position', 'host', 'ssh_port', 'ssh_user', 'key_path', 'host_key_algorithm', 'host_key_fingerprint', 'host_key_pinned_at', 'host_key_public'],
  cluster_options: ['cluster_id', 'key', 'value', 'secret_ref_json'],
  artifacts: ['id', 'kind', 'version', 'path', 'sha256', 'size', 'source', 'created_at'],
  // origin and started_by (migration 7): who started a run and from where travels with the ledger.
  runs: ['id', 'cluster_id', 'kind', 'strategy', 'status', 'from_state_json', 'to_state_json', 'error_json', 'owner', 'created_at', 'started_at', 'finished_at', 'origin', 'started_by'],
  backups: ['id', 'cluster_id', 'run_id', 'path', 'format', 'sha256', 'size', 'keycloak_version', 'created_at', 'verified_at', 'changelog_json', 'database_json', 'verification_json'],
  steps: ['run_id', 'seq', 'kind', 'title', 'node', 'params_json', 'status', 'started_at', 'finished_at', 'error'],
  events: ['run_id', 'seq', 'at', 'source', 'node', 'level', 'kind', 'data_json'],
  probe_samples: ['run_id', 'at_ms', 'ok', 'status', 'reason', 'latency_ms', 'address'],
  compatibility_metadata: ['id', 'cluster_id', 'run_id', 'keycloak_version', 'options_sha256', 'source', 'node', 'path', 'sha256', 'content_json', 'duration_ms', 'created_at'],
  plans: ['run_id', 'cluster_id', 'from_version', 'to_version', 'exit_code', 'recommended', 'plan_json', 'created_at'],
  // The databases a restore kept (migration 6): a ledger moved to another laptop must still know what waits to be pruned.
  retained_databases: ['id', 'cluster_id', 'name', 'host', 'port', 'reason', 'run_id', 'backup_id', 'created_at', 'dropped_at'],
  // Where each blue/green colour runs (migration 8): a moved ledger must still know which standby to decommission.
  cluster_colours: ['id', 'cluster_id', 'colour', 'role', 'deployment', 'version', 'run_id', 'clone_point', 'created_at', 'updated_at'],
} as const;
type TableName = keyof typeof tables;

const cell = z.union([z.string().max(1_000_000), z.number(), z.null()]);
/** A row names only its table's columns: an unknown one is a damaged or foreign file, never silently dropped. */
const rowOf = (cols: readonly string[]) => z.strictObject(Object.fromEntries(cols.map((c) => [c, cell.optional()])));
type Row = Record<string, string | number | null | undefined>;

export const ledgerExportSchema = z.strictObject({
  format: z.literal('keyturn-ledger'),
  schemaVersion: z.number().int().min(1),
  exportedAt: z.string().max(100),
  // A table missing from the document (an export made before that table existed) imports as empty.
  tables: z.strictObject(Object.fromEntries(Object.entries(tables).map(([t, cols]) => [t, z.array(rowOf(cols)).default([])])) as unknown as Record<TableName, z.ZodDefault<z.ZodArray<z.ZodType<Row>>>>),
});
export type LedgerExport = z.infer<typeof ledgerExportSchema>;

/**
 * The free-text columns an export passes through the redactor once more:
 * they were redacted when written, but an export leaves the machine, and a
 * ledger written by an older Keyturn may predate a redaction rule.
 */
const redactedColumns: Partial<Record<TableName, readonly string[]>> = {
  runs: ['error_json'],
  steps: ['error'],
  events: ['data_json'],
  plans: ['plan_json'],
  backups: ['verification_json'],
  retained_databases: ['reason'],
};

function redactCell(column: string, value: string | number | null, redact: Redactor): string | number | null {
  if (typeof value !== 'string') return value;
  if (!column.endsWith('_json')) return redact(value);
  try {
    return JSON.stringify(redactDeep(JSON.parse(value) as unknown, redact));
  } catch {
    return redact(value);
  }
}

/**
 * Everything in the ledger except locks (they belong to live processes),
 * with events, errors and plans redacted. The export knows no run's secret
 * values, so the default redactor applies the secret patterns (keys, headers,
 * PEM blocks, URL user info); a caller that knows values passes its own.
 */
export function exportLedger(db: Ledger, redact: Redactor = createRedactor([])): LedgerExport {
  const out = {} as Record<TableName, Record<string, string | number | null>[]>;
  for (const [t, cols] of Object.entries(tables) as [TableName, readonly string[]][]) {
    const rows = db.prepare(`SELECT ${cols.join(', ')} FROM ${t} ORDER BY rowid`).all() as Record<string, string | number | null>[];
    const free = redactedColumns[t] ?? [];
    out[t] = free.length === 0 ? rows : rows.map((r) => ({ ...r, ...Object.fromEntries(free.map((c) => [c, redactCell(c, r[c] ?? null, redact)])) }));
  }
  return { format: 'keyturn-ledger', schemaVersion: schemaVersion(db), exportedAt: new Date().toISOString(), tables: out };
}

export interface ImportResult {
  clusters: number;
  runs: number;
  events: number;
  skipped: string[];
}

/**
 * Imports an export into this ledger. Clusters whose name already exists are a
 * `conflict` (nothing written) unless `skipExisting`, which leaves the
 * existing ones untouched along with everything hanging off them.
 */
export function importLedger(db: Ledger, raw: unknown, opts: { skipExisting?: boolean } = {}): ImportResult {
  // Before the shape: a newer export has tables and columns this Keyturn does not know, and that is the message to give.
  const head = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  if (head.format === 'keyturn-ledger' && typeof head.schemaVersion === 'number' && head.schemaVersion > latestSchemaVersion) {
    throw new KeyturnError('invalid-input', `The export was written by a newer Keyturn (schema ${head.schemaVersion}; this one knows up to ${latestSchemaVersion}).`, 'Upgrade Keyturn, then import again. Nothing was imported.');
  }
  const parsed = ledgerExportSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new KeyturnError('invalid-input', `Not a Keyturn ledger export: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown shape'}.`,
      'Use a file written by `keyturn ledger export`. Nothing was imported.', { issues: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String), message: i.message })) });
  }
  const doc = parsed.data;
  doc.tables.clusters.forEach((c, i) => checkClusterRow(c, i));
  const existing = new Map((db.prepare('SELECT id, name FROM clusters').all() as { id: string; name: string }[]).map((r) => [r.name, r.id]));
  const skip = new Set<string>();
  const skipped: string[] = [];
  for (const c of doc.tables.clusters) {
    const name = String(c.name);
    if (existing.has(name) || existing.has(String(c.id))) {
      if (!opts.skipExisting) {
        throw new KeyturnError('conflict', `Cluster '${name}' already exists in this ledger.`, 'Remove it first, or import with --skip-existing to keep the existing one. Nothing was imported.');
      }
      skip.add(String(c.id));
      skipped.push(name);
    }
  }
  const skippedRuns = new Set(doc.tables.runs.filter((r) => skip.has(String(r.cluster_id))).map((r) => String(r.id)));
  const keep = (t: TableName, r: Record<string, unknown>): boolean => {
    if (t === 'clusters') return !skip.has(String(r.id));
    if (t === 'nodes' || t === 'cluster_options' || t === 'backups' || t === 'runs' || t === 'compatibility_metadata' || t === 'plans' || t === 'retained_databases' || t === 'cluster_colours') return !skip.has(String(r.cluster_id));
    if (t === 'steps' || t === 'events' || t === 'probe_samples') return !skippedRuns.has(String(r.run_id));
    return true;
  };
  try {
    db.transaction(() => {
      for (const [t, cols] of Object.entries(tables) as [TableName, readonly string[]][]) {
        // An artifact this ledger already has is kept; ON CONFLICT (not OR IGNORE) so a row failing a CHECK still stops the import.
        const onConflict = t === 'artifacts' ? ' ON CONFLICT DO NOTHING' : '';
        const stmt = db.prepare(`INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})${onConflict}`);
        for (const row of doc.tables[t]) {
          if (!keep(t, row)) continue;
          stmt.run(...cols.map((c) => row[c] ?? null));
        }
      }
      // Read back what was imported the way every command will read it; anything unreadable rolls the whole import back.
      listClusters(db);
      for (const c of doc.tables.clusters) if (keep('clusters', c)) getCluster(db, String(c.name));
      for (const r of doc.tables.runs) if (keep('runs', r)) getRun(db, String(r.id));
    }).immediate();
  } catch (err) {
    if (err instanceof KeyturnError && err.code !== 'not-found') throw err;
    throw new KeyturnError('invalid-input', `The export is inconsistent and was not imported: ${(err as Error).message.split('\n')[0]!.slice(0, 300)}.`, 'Re-export it from the source ledger. Nothing was imported.');
  }
  const count = (t: TableName) => doc.tables[t].filter((r) => keep(t, r)).length;
  return { clusters: count('clusters'), runs: count('runs'), events: count('events'), skipped };
}

/** A cluster row whose spec would not load later (by `cluster show`, a plan, a run) is refused now, naming the row. */
function checkClusterRow(row: Row, i: number): void {
  const where = `tables.clusters[${i}]${typeof row.name === 'string' ? ` ('${row.name.slice(0, 63)}')` : ''}`;
  const refuse = (why: string) => new KeyturnError('invalid-input', `Not a Keyturn ledger export: ${where}: ${why}.`, 'Re-export it from the source ledger (keyturn ledger export). Nothing was imported.');
  if (typeof row.id !== 'string' || typeof row.name !== 'string') throw refuse('id and name must be strings');
  if (typeof row.spec_json !== 'string') throw refuse('spec_json is missing');
  let spec: unknown;
  try {
    spec = JSON.parse(row.spec_json);
  } catch {
    throw refuse('spec_json is not JSON');
  }
  const parsed = clusterSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw refuse(`spec_json is not a valid cluster (${issue ? `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}` : 'unknown shape'})`);
  }
  if (parsed.data.name !== row.name) throw refuse(`spec_json names cluster '${parsed.data.name}'`);
}
