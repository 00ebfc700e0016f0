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
  {
    version: 2,
    name: 'planner: update-compatibility metadata per deployment, computed plans',
    sql: `
      -- kc.sh update-compatibility metadata of a deployment (version + options), as Keycloak wrote it;
      -- options_sha256 says which recorded options it describes, so stale metadata is never reused
      CREATE TABLE compatibility_metadata (
        id TEXT PRIMARY KEY,
        cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
        keycloak_version TEXT NOT NULL,
        options_sha256 TEXT NOT NULL CHECK (length(options_sha256) = 64),
        source TEXT NOT NULL CHECK (source IN ('node','local')),
        node TEXT,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        content_json TEXT NOT NULL CHECK (json_valid(content_json)),
        duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
        created_at TEXT NOT NULL,
        CHECK ((source = 'node') = (node IS NOT NULL))
      );
      CREATE INDEX compatibility_metadata_by_cluster ON compatibility_metadata (cluster_id, created_at);

      -- the plan a 'plan' run computed: check result, reasons, strategies (no secret values)
      CREATE TABLE plans (
        run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        from_version TEXT NOT NULL,
        to_version TEXT NOT NULL,
        exit_code INTEGER NOT NULL,
        recommended TEXT CHECK (recommended IS NULL OR recommended IN ('rolling','blue-green','recreate')),
        plan_json TEXT NOT NULL CHECK (json_valid(plan_json)),
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'backups: changelog state, database and last verification; probe_samples for the availability prober',
    sql: `
      -- the Liquibase DATABASECHANGELOG state at dump time: a rollback compares the live one with it
      ALTER TABLE backups ADD COLUMN changelog_json TEXT CHECK (changelog_json IS NULL OR json_valid(changelog_json));
      -- host, port, name, user and server version the dump was taken from (never the password)
      ALTER TABLE backups ADD COLUMN database_json TEXT CHECK (database_json IS NULL OR json_valid(database_json));
      -- the outcome of the last verification, passed or failed
      ALTER TABLE backups ADD COLUMN verification_json TEXT CHECK (verification_json IS NULL OR json_valid(verification_json));
      CREATE INDEX backups_by_cluster ON backups (cluster_id, created_at);

      -- one row per probe request during a run, written in batches (one transaction per second)
      CREATE TABLE probe_samples (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        at_ms INTEGER NOT NULL,
        ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
        status INTEGER,
        reason TEXT,
        latency_ms REAL NOT NULL CHECK (latency_ms >= 0),
        address TEXT,
        CHECK ((ok = 1) = (reason IS NULL))
      );
      CREATE INDEX probe_samples_by_run ON probe_samples (run_id, at_ms);
    `,
  },
  {
    version: 4,
    name: 'runs.control: pause and abort requests any Keyturn process can make',
    sql: `
      -- read by the executor between steps; set by runs:pause / runs:abort from any process
      ALTER TABLE runs ADD COLUMN control TEXT CHECK (control IS NULL OR control IN ('pause', 'abort'));
    `,
  },
  {
    version: 5,
    name: 'nodes.host_key_public: the whole pinned host key, so every ssh/Ansible run gets a known_hosts of pinned keys',
    sql: `
      -- base64 of the SSH wire-format key blob the operator confirmed (its SHA256 is host_key_fingerprint).
      -- NULL on pins made before this column: ssh2 checks still work on the fingerprint, but an Ansible
      -- run refuses such a node until "keyturn cluster trust" (or Test connection) completes the pin.
      ALTER TABLE nodes ADD COLUMN host_key_public TEXT CHECK (host_key_public IS NULL OR (host_key_fingerprint IS NOT NULL AND length(host_key_public) <= 8192));
    `,
  },
  {
    version: 6,
    name: 'retained_databases: databases a restore replaced, kept under a dated name until an explicit prune',
    sql: `
      -- A restore-mode rollback never destroys the migrated database: it renames it <live>_migrated_<stamp>
      -- and records it here. Only "keyturn backup prune" drops it (and stamps dropped_at).
      CREATE TABLE retained_databases (
        id TEXT PRIMARY KEY,
        cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 63),
        host TEXT NOT NULL,
        port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
        -- why it was kept, in words (e.g. "replaced by the restore of backup <id>")
        reason TEXT NOT NULL,
        run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
        backup_id TEXT REFERENCES backups(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        dropped_at TEXT
      );
      CREATE UNIQUE INDEX retained_databases_kept ON retained_databases (cluster_id, host, port, name) WHERE dropped_at IS NULL;
    `,
  },
  {
    version: 7,
    name: 'runs.origin and runs.started_by: where a run was started (console, browser, cli) and by which host user',
    sql: `
      -- The change board asks who made a change and from where; owner (pid@host) says only which process runs it now.
      ALTER TABLE runs ADD COLUMN origin TEXT CHECK (origin IS NULL OR origin IN ('console', 'browser', 'cli'));
      -- user@host of the operating-system user that started the run (never changed by a resume)
      ALTER TABLE runs ADD COLUMN started_by TEXT CHECK (started_by IS NULL OR length(started_by) <= 512);
    `,
  },
  {
    version: 8,
    name: 'cluster_colours: where each blue/green colour of a cluster runs, and its role',
    sql: `
      -- One row per colour a blue/green run built (or took over from the cluster file's standby).
      -- deployment is JSON (shared/contract/colours.ts): nodes with their pinned host keys, database,
      -- load balancer, inventory path. References only, never a secret value.
      CREATE TABLE cluster_colours (
        id TEXT PRIMARY KEY,
        cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        colour TEXT NOT NULL CHECK (colour IN ('blue', 'green')),
        role TEXT NOT NULL CHECK (role IN ('building', 'active', 'standby', 'destroyed')),
        deployment TEXT NOT NULL CHECK (json_valid(deployment) AND length(deployment) <= 262144),
        version TEXT NOT NULL,
        run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
        clone_point TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      -- at most one live record per colour; destroyed ones stay as history
      CREATE UNIQUE INDEX cluster_colours_live ON cluster_colours (cluster_id, colour) WHERE role <> 'destroyed';
      -- at most one colour serves
      CREATE UNIQUE INDEX cluster_colours_active ON cluster_colours (cluster_id) WHERE role = 'active';
    `,
  },
];

/** The newest schema this build of Keyturn understands. */
export const latestSchemaVersion = migrations[migrations.length - 1]!.version;
