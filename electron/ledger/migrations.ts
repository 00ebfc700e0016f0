/**
 * The ledger's schema history, an ordered list of numbered migrations.
 *
 * Each migration runs in its own transaction and is recorded in
 * `schema_migrations`, so a half-applied migration never exists and a ledger
 * always says which Keyturn can read it. Never edit a released migration: add
 * the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial ledger: clusters, nodes, options, artifacts, backups, runs, steps, events, locks',
    sql: `
      CREATE TABLE clusters (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 63),
        environment TEXT NOT NULL,
        keycloak_version TEXT NOT NULL,
        -- the validated spec without secrets (secrets exist only as references)
        spec_json TEXT NOT NULL CHECK (json_valid(spec_json)),
        health TEXT NOT NULL DEFAULT 'unknown' CHECK (health IN ('unknown','ready','degraded','down')),
        health_checked_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE nodes (
        id TEXT PRIMARY KEY,
        cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        position INTEGER NOT NULL,
        host TEXT NOT NULL,
        ssh_port INTEGER NOT NULL CHECK (ssh_port BETWEEN 1 AND 65535),
        ssh_user TEXT NOT NULL,
        key_path TEXT,
        host_key_algorithm TEXT,
        host_key_fingerprint TEXT,
        host_key_pinned_at TEXT,
        UNIQUE (cluster_id, name),
        CHECK ((host_key_fingerprint IS NULL) = (host_key_pinned_at IS NULL))
      );

      -- Keycloak options exactly as kc.sh start gets them (secret ones only as references)
      CREATE TABLE cluster_options (
        cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT,
        secret_ref_json TEXT CHECK (secret_ref_json IS NULL OR json_valid(secret_ref_json)),
        PRIMARY KEY (cluster_id, key),
        CHECK ((value IS NULL) <> (secret_ref_json IS NULL))
      );

      CREATE TABLE artifacts (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL DEFAULT 'keycloak-dist',
        version TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        size INTEGER NOT NULL CHECK (size > 0),
        source TEXT NOT NULL CHECK (source IN ('maven','import')),
        created_at TEXT NOT NULL,
        UNIQUE (kind, version)
      );

      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        cluster_id TEXT REFERENCES clusters(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        strategy TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending','running','paused','succeeded','failed','aborted','interrupted')),
        from_state_json TEXT CHECK (from_state_json IS NULL OR json_valid(from_state_json)),
        to_state_json TEXT CHECK (to_state_json IS NULL OR json_valid(to_state_json)),
        error_json TEXT CHECK (error_json IS NULL OR json_valid(error_json)),
        owner TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      );
      CREATE INDEX runs_by_cluster ON runs (cluster_id, created_at);

      CREATE TABLE backups (
        id TEXT PRIMARY KEY,
        cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
        path TEXT NOT NULL,
        format TEXT NOT NULL,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        size INTEGER NOT NULL CHECK (size > 0),
        keycloak_version TEXT NOT NULL,
        created_at TEXT NOT NULL,
        verified_at TEXT
      );

      CREATE TABLE steps (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL CHECK (seq >= 0),
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        node TEXT,
        params_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params_json)),
        status TEXT NOT NULL CHECK (status IN ('pending','running','succeeded','failed','skipped')),
        started_at TEXT,
        finished_at TEXT,
        error TEXT,
        PRIMARY KEY (run_id, seq)
      );

      CREATE TABLE events (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL CHECK (seq >= 0),
        at TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('engine','terraform','ansible','ssh','kcsh','probe')),
        node TEXT,
        level TEXT NOT NULL CHECK (level IN ('debug','info','warn','error')),
        kind TEXT NOT NULL,
        data_json TEXT NOT NULL CHECK (json_valid(data_json)),
        PRIMARY KEY (run_id, seq)
      );

      -- one run per cluster, across processes; key is a cluster id or a scope like 'lab'
      CREATE TABLE locks (
        scope TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        owner TEXT NOT NULL,
        acquired_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
      );
    `,
  },
];

/** The newest schema this build of Keyturn understands. */
export const latestSchemaVersion = migrations[migrations.length - 1]!.version;
