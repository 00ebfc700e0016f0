/**
 * Ledger export and import: a whole ledger as one JSON document, to move a
 * fleet to another laptop or keep an audit copy.
 *
 * Import validates the entire document before writing anything and writes it
 * in one transaction: a malformed file leaves the ledger exactly as it was.
 */
import { z } from 'zod';
import { KeyturnError } from '../../shared/errors.ts';
import type { Ledger } from './open-ledger.ts';
import { schemaVersion } from './open-ledger.ts';
import { latestSchemaVersion } from './migrations.ts';

/** Tables in dependency order (parents first), with their columns. */
const tables = {
  clusters: ['id', 'name', 'environment', 'keycloak_version', 'spec_json', 'health', 'health_checked_at', 'created_at', 'updated_at'],
  nodes: ['id', 'cluster_id', 'name', 'position', 'host', 'ssh_port', 'ssh_user', 'key_path', 'host_key_algorithm', 'host_key_fingerprint', 'host_key_pinned_at'],
  cluster_options: ['cluster_id', 'key', 'value', 'secret_ref_json'],
  artifacts: ['id', 'kind', 'version', 'path', 'sha256', 'size', 'source', 'created_at'],
  runs: ['id', 'cluster_id', 'kind', 'strategy', 'status', 'from_state_json', 'to_state_json', 'error_json', 'owner', 'created_at', 'started_at', 'finished_at'],
  backups: ['id', 'cluster_id', 'run_id', 'path', 'format', 'sha256', 'size', 'keycloak_version', 'created_at', 'verified_at', 'changelog_json', 'database_json', 'verification_json'],
  steps: ['run_id', 'seq', 'kind', 'title', 'node', 'params_json', 'status', 'started_at', 'finished_at', 'error'],
  events: ['run_id', 'seq', 'at', 'source', 'node', 'level', 'kind', 'data_json'],
  probe_samples: ['run_id', 'at_ms', 'ok', 'status', 'reason', 'latency_ms', 'address'],
  compatibility_metadata: ['id', 'cluster_id', 'run_id', 'keycloak_version', 'options_sha256', 'source', 'node', 'path', 'sha256', 'content_json', 'duration_ms', 'created_at'],
  plans: ['run_id', 'cluster_id', 'from_version', 'to_version', 'exit_code', 'recommended', 'plan_json', 'created_at'],
} as const;
type TableName = keyof typeof tables;

const cell = z.union([z.string().max(1_000_000), z.number(), z.null()]);
const rowSchema = z.record(z.string(), cell);

export const ledgerExportSchema = z.strictObject({
  format: z.literal('keyturn-ledger'),
  schemaVersion: z.number().int().min(1),
  exportedAt: z.string(),
  // A table missing from the document (an export made before that table existed) imports as empty.
  tables: z.strictObject(Object.fromEntries(Object.keys(tables).map((t) => [t, z.array(rowSchema).default([])])) as Record<TableName, z.ZodDefault<z.ZodArray<typeof rowSchema>>>),
});
export type LedgerExport = z.infer<typeof ledgerExportSchema>;

/** Everything in the ledger except locks (they belong to live processes). */
export function exportLedger(db: Ledger): LedgerExport {
  const out = {} as Record<TableName, Record<string, string | number | null>[]>;
  for (const [t, cols] of Object.entries(tables) as [TableName, readonly string[]][]) {
    out[t] = db.prepare(`SELECT ${cols.join(', ')} FROM ${t} ORDER BY rowid`).all() as Record<string, string | number | null>[];
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
  const parsed = ledgerExportSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new KeyturnError('invalid-input', `Not a Keyturn ledger export: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown shape'}.`,
      'Use a file written by `keyturn ledger export`. Nothing was imported.', { issues: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path, message: i.message })) });
  }
  const doc = parsed.data;
  if (doc.schemaVersion > latestSchemaVersion) {
    throw new KeyturnError('ledger-newer', `The export was written by a newer Keyturn (schema ${doc.schemaVersion}; this one knows up to ${latestSchemaVersion}).`, 'Upgrade Keyturn, then import again. Nothing was imported.');
  }
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
    if (t === 'nodes' || t === 'cluster_options' || t === 'backups' || t === 'runs' || t === 'compatibility_metadata' || t === 'plans') return !skip.has(String(r.cluster_id));
    if (t === 'steps' || t === 'events' || t === 'probe_samples') return !skippedRuns.has(String(r.run_id));
    return true;
  };
  try {
    db.transaction(() => {
      for (const [t, cols] of Object.entries(tables) as [TableName, readonly string[]][]) {
        const verb = t === 'artifacts' ? 'INSERT OR IGNORE' : 'INSERT';
        const stmt = db.prepare(`${verb} INTO ${t} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
        for (const row of doc.tables[t]) {
          if (!keep(t, row)) continue;
          stmt.run(...cols.map((c) => row[c] ?? null));
        }
      }
    }).immediate();
  } catch (err) {
    throw new KeyturnError('invalid-input', `The export is inconsistent and was not imported: ${(err as Error).message}.`, 'Re-export it from the source ledger. Nothing was imported.');
  }
  const count = (t: TableName) => doc.tables[t].filter((r) => keep(t, r)).length;
  return { clusters: count('clusters'), runs: count('runs'), events: count('events'), skipped };
}
