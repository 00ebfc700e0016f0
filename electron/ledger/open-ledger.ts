/**
 * Opens the ledger: one SQLite file, WAL so the console and a CLI can read
 * while a run writes, foreign keys on, and a busy timeout so two processes
 * wait for each other instead of failing.
 *
 * A ledger written by a newer Keyturn is refused untouched: guessing at a
 * schema we don't know could lose an operator's audit trail.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KeyturnError } from '../../shared/errors.ts';
import { latestSchemaVersion, migrations, type Migration } from './migrations.ts';

export type Ledger = Database.Database;

export interface OpenLedgerOptions {
  /** Overrides the migration list (tests of the refusal path). */
  migrations?: readonly Migration[];
  readonly?: boolean;
}

/** Opens (creating if needed) and migrates the ledger at `path` (`:memory:` for tests). */
export function openLedger(path: string, options: OpenLedgerOptions = {}): Ledger {
  const list = options.migrations ?? migrations;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Ledger;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, timeout: 10_000 });
  } catch (err) {
    throw new KeyturnError('ledger-corrupt', `Cannot open the ledger at ${path}: ${(err as Error).message}`, 'Check the file permissions, or point KEYTURN_HOME at another directory.');
  }
  try {
    db.pragma('busy_timeout = 10000');
    if (path !== ':memory:' && !options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    if (!options.readonly) migrate(db, list);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof KeyturnError) throw err;
    throw new KeyturnError('ledger-corrupt', `The ledger at ${path} could not be read: ${(err as Error).message}`, 'Restore it from a `keyturn ledger export`, or move it aside to start a new one.');
  }
}

/** Applies every pending migration, each in its own transaction. */
function migrate(db: Ledger, list: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const newest = list[list.length - 1]?.version ?? 0;
  const applied = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
  const current = applied.v ?? 0;
  if (current > newest) {
    throw new KeyturnError(
      'ledger-newer',
      `This ledger was written by a newer Keyturn (schema ${current}; this Keyturn knows up to ${newest}). It was not changed.`,
      'Upgrade Keyturn to open it, or set KEYTURN_HOME to another directory to use a separate ledger.',
    );
  }
  // IMMEDIATE: two processes opening a fresh ledger at once must not both migrate.
  for (const m of list) {
    const run = db.transaction(() => {
      const done = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
      if (done) return;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    });
    run.immediate();
  }
}

/** The schema version recorded in an open ledger. */
export function schemaVersion(db: Ledger): number {
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

export { latestSchemaVersion };
