/**
 * Clusters: what an operator registers, and how the fleet and detail views read it.
 *
 * `clusterSpecSchema` is also the format of `keyturn cluster add --file`
 * (YAML or JSON) and of the register form: one definition, three entry points.
 */
import { z } from 'zod';
import { defineCall } from './define.ts';
import { boundedRecord, emptyInput, hasUrlCredentials, hostSchema, idSchema, nameSchema, pathSchema, portSchema, secretRefSchema, textSchema, timestampSchema, versionSchema } from './common.ts';

/** Keycloak option names as `kc.sh start` takes them, without the leading dashes. */
export const optionKeySchema = z.string().max(128).regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a kc.sh option name such as cache-stack');

/**
 * Option names that carry secrets. They may not be given inline in
 * `keycloak.options`; use `keycloak.secretOptions` with a reference instead.
 */
export const secretOptionPattern = /(password|secret|passphrase|credential|private-key|token)/;

const optionsSchema = z
  .record(optionKeySchema, z.string().max(4096, 'option values must be at most 4096 characters'))
  .refine((o) => Object.keys(o).length <= 200, 'at most 200 options')
  .superRefine((o, ctx) => {
    for (const key of Object.keys(o)) {
      if (secretOptionPattern.test(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `'${key}' is a secret and may not be written inline; move it to keycloak.secretOptions as { env: VAR } or { file: path }`,
        });
      } else if (hasUrlCredentials(o[key]!)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `'${key}' carries a password inside its URL (user:password@); remove it from the URL and give it as a secret option (e.g. db-password in keycloak.secretOptions)`,
        });
      }
    }
  });

export const nodeSpecSchema = z.strictObject({
  name: nameSchema,
  host: hostSchema,
  port: portSchema.default(22),
  user: z.string().min(1, 'is required').max(64).regex(/^[a-z_][a-z0-9_.-]*$/i, 'must be a user name'),
  keyPath: pathSchema.optional(),
  /** Address Keycloak listens on (http, management); defaults to `host`. */
  address: hostSchema.optional(),
  httpPort: portSchema.default(8080),
  managementPort: portSchema.default(9000),
  /** Keycloak installation directory on the node (where bin/kc.sh is). */
  keycloakHome: pathSchema.default('/opt/keycloak'),
});
export type NodeSpec = z.infer<typeof nodeSpecSchema>;

export const databaseSpecSchema = z.strictObject({
  host: hostSchema,
  port: portSchema.default(5432),
  name: z.string().min(1, 'is required').max(63).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a database name'),
  user: z.string().min(1, 'is required').max(63).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a database user name'),
  passwordRef: secretRefSchema.optional(),
});

/** How clients are steered between clusters (blue/green switch). */
/** An ACL file as haproxy.cfg references it: an absolute path HAProxy's runtime API can be given (no spaces, no `;`). */
export const freezeAclFileSchema = z.string().min(2).max(4000).regex(/^\/[A-Za-z0-9_./-]+$/, 'must be the ACL file exactly as haproxy.cfg names it after path_reg -f (an absolute path of letters, digits, ".", "_", "/" and "-")');

const backendNameSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be an HAProxy backend name');

export const trafficSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('dns'),
    /** The name clients use, e.g. sso.acme.example. */
    name: hostSchema,
    /** DNS server accepting RFC 2136 updates for the zone. */
    server: hostSchema,
    port: portSchema.default(53),
    zone: hostSchema.optional(),
    ttl: z.coerce.number().int().min(1).max(86400).default(60),
    tsigKeyRef: secretRefSchema.optional(),
  }),
  z.strictObject({
    kind: z.literal('haproxy'),
    name: hostSchema,
    /** Runtime API: a unix socket path or host:port. */
    runtimeApi: z.string().min(1).max(4096),
    backend: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be an HAProxy backend name'),
    /** The map haproxy.cfg routes the host name with (`use_backend %[req.hdr(host),lower,map(<file>,<default>)]`): a blue/green switch changes its entry. */
    map: z.string().min(1).max(4000).regex(/^(#\d{1,9}|\/[A-Za-z0-9_./-]+)$/, 'must be the map file as haproxy.cfg names it (an absolute path) or #<id>').optional(),
    /**
     * Blue/green: the front's backend of each colour, each sending to that
     * colour's own load balancer. The switch changes the map entry of `name`
     * from one to the other.
     */
    backends: z.strictObject({ blue: backendNameSchema, green: backendNameSchema }).refine((b) => b.blue !== b.green, 'blue and green must be two backends').optional(),
    /** The DNS server that answers for `name` (the prober resolves the public name through it, as clients do). */
    resolver: z.strictObject({ server: hostSchema, port: portSchema.default(53) }).optional(),
  }),
]);

/**
 * A standby that already exists, for teams whose hosts are not built by
 * Terraform: the hosts, database and load balancer blue/green builds the new
 * colour on, with the Ansible inventory that reaches them. Keyturn installs
 * Keycloak there, restores the copy into the database (which must be empty)
 * and never destroys the hosts: decommissioning stops Keycloak on them. The
 * nodes share the serving nodes' SSH user and settings; the database the
 * serving cluster's credential references.
 */
export const standbySpecSchema = z.strictObject({
  nodes: z
    .array(z.strictObject({
      name: nameSchema,
      address: hostSchema,
      sshPort: portSchema.default(22),
      /** The name SSH reaches the node by, when it differs from the address Keycloak listens on. */
      sshHost: hostSchema.optional(),
      /** Where Keycloak is installed on it, when not where the serving cluster's first node has it. */
      keycloakHome: pathSchema.optional(),
      /**
       * The SSH host key's fingerprint as `ssh-keygen -lf` prints it (SHA256:...),
       * read on the host itself: the key Keyturn meets on first contact must be
       * this one. Without it the first key presented is pinned and named.
       */
      hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be a fingerprint as ssh-keygen -lf prints it: SHA256: and 43 characters').optional(),
    }))
    .min(1)
    .max(64),
  database: z.strictObject({ address: hostSchema, port: portSchema.default(5432), name: z.string().min(1).max(63), user: z.string().min(1).max(63) }),
  loadBalancer: z.strictObject({
    address: hostSchema,
    port: portSchema,
    runtimeApi: z.string().min(1).max(4096),
    backend: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be an HAProxy backend name'),
    freezeAclFile: z.string().min(2).max(4000).regex(/^\/[A-Za-z0-9_./-]+$/, 'must be an absolute path').optional(),
  }),
  /** The Ansible inventory of the standby's nodes (host names as in `nodes`). */
  inventory: pathSchema,
  /** SSH private key for the standby's nodes when it differs from the serving cluster's. */
  keyPath: pathSchema.optional(),
});

/** The load balancer in front of the nodes, used to drain one node at a time. */
export const loadBalancerSpecSchema = z.strictObject({
  kind: z.literal('haproxy'),
  runtimeApi: z.string().min(1).max(4096),
  backend: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be an HAProxy backend name'),
  /**
   * The write freeze (docs/write-freeze.md): the ACL file the frontend's
   * freeze lines load (`path_reg -f <file>`), empty unless Keyturn fills it.
   * Without it the load balancer cannot freeze, and the plan says so.
   */
  freeze: z.strictObject({ aclFile: freezeAclFileSchema }).optional(),
});

export const keycloakSpecSchema = z.strictObject({
  version: versionSchema,
  /** Public URL clients use, e.g. https://sso.acme.example. */
  url: z.string().url('must be a URL such as https://sso.acme.example').max(2048).optional(),
  /** Options exactly as `kc.sh start` gets them (features included, as `features: "a,b"`). */
  options: optionsSchema.default({}),
  /** Secret options by reference, e.g. `db-password: { env: ACME_DB_PASSWORD }`. */
  secretOptions: boundedRecord(optionKeySchema, secretRefSchema, 50, 'secret options').default({}),
  javaHome: pathSchema.optional(),
});

export const clusterSpecSchema = z
  .strictObject({
    name: nameSchema,
    environment: z.enum(['production', 'staging', 'test', 'development', 'lab']).default('production'),
    description: textSchema(2000).optional(),
    keycloak: keycloakSpecSchema,
    nodes: z.array(nodeSpecSchema).min(1, 'at least one node is required').max(64, 'at most 64 nodes'),
    database: databaseSpecSchema,
    traffic: trafficSpecSchema,
    loadBalancer: loadBalancerSpecSchema.optional(),
    terraform: z.strictObject({
      dir: pathSchema,
      varFile: pathSchema.optional(),
      /** Sensitive root-module variables, by reference (never the value): written to a private var file for each apply and destroy. */
      secretVars: boundedRecord(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'must be a Terraform variable name'), secretRefSchema, 50, 'Terraform variables').optional(),
    }).optional(),
    ansible: z
      .strictObject({
        inventory: pathSchema,
        playbook: pathSchema,
        /** Stops Keycloak on the hosts it is limited to; needed when a rollback must restore the database. */
        stopPlaybook: pathSchema.optional(),
        /**
         * The playbook honours `keycloak_phase`: `prepare` copies, unpacks and
         * builds the target on every host without touching the running
         * process; `switch` stops, switches, starts. Keyturn then prepares
         * every node while all of them serve and drains each node only for its
         * switch (seconds instead of the whole install). Off: one full run per
         * drained node.
         */
        phased: z.boolean().default(false),
      })
      .optional(),
    /**
     * How the availability prober reaches the cluster during a run: a
     * confidential client allowed the client-credentials grant, and the
     * networks the public name may resolve to (requests go nowhere else).
     */
    probe: z
      .strictObject({
        realm: z.string().min(1).max(255),
        clientId: z.string().min(1).max(255),
        clientSecretRef: secretRefSchema,
        ratePerSecond: z.coerce.number().int().min(1).max(200).default(20),
        allowedNetworks: z.array(z.string().max(64, 'must be at most 64 characters').regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be a CIDR such as 10.1.0.0/16')).min(1).max(16, 'at most 16 networks').default(['127.0.0.0/8']),
      })
      .optional(),
    admin: z.strictObject({ username: z.string().min(1).max(128), passwordRef: secretRefSchema }).optional(),
    /**
     * Pre-promotion smoke tests (blue/green): a test user of the probe realm
     * for the password login, refresh and userinfo checks, and the customer's
     * own checks, each a URL (2xx expected, through the preview path) or a
     * command run locally (exit 0 expected).
     */
    smoke: z
      .strictObject({
        user: z
          .strictObject({
            username: z.string().min(1).max(255),
            passwordRef: secretRefSchema,
            /**
             * Client the user logs in with (direct access grants on; not admin-cli,
             * whose lightweight tokens userinfo refuses). Default: the probe client.
             */
            clientId: z.string().min(1).max(255).optional(),
            /** That client's secret; default: the probe client's when it is the probe client, none (a public client) otherwise. */
            clientSecretRef: secretRefSchema.optional(),
          })
          .optional(),
        checks: z
          .array(
            z.union([
              z.strictObject({ name: textSchema(128).min(1, 'is required'), url: z.string().url('must be a URL such as https://sso.acme.example/realms/acme').max(2048) }),
              z.strictObject({ name: textSchema(128).min(1, 'is required'), argv: z.array(z.string().max(4096)).min(1, 'needs the program to run').max(64) }),
            ]),
          )
          .max(32, 'at most 32 smoke checks')
          .default([]),
      })
      .optional(),
    /**
     * Blue/green after the switch: how long the prober watches the public name
     * (default 60 s) and how long the old colour keeps serving beyond the DNS
     * TTL (default 10 s), for clusters whose clients need more, or a lab less.
     */
    /**
     * This cluster's session policy wherever data crosses a copy: what
     * blue/green's copy keeps of the sessions it carries, and what a restore
     * rollback keeps of the restored ones. Unset: keep-all for blue/green
     * (users stay signed in across the switch) and drop-online after a
     * restore (a user who signed out after the backup stays out). A run's
     * own --sessions / --session-policy overrides it.
     */
    sessionPolicy: z.enum(['keep-all', 'drop-online', 'drop-all']).optional(),
    blueGreen: z
      .strictObject({
        watchSeconds: z.number().int().min(10, 'must be at least 10 s').max(3600, 'must be at most 3600 s').optional(),
        graceSeconds: z.number().int().min(0).max(3600, 'must be at most 3600 s').optional(),
        standby: standbySpecSchema.optional(),
      })
      .optional(),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.nodes.forEach((n, i) => {
      if (seen.has(n.name)) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'name'], message: `node name '${n.name}' is used twice` });
      seen.add(n.name);
    });
  });
/** What an operator writes (defaults not yet applied). */
export type ClusterSpecInput = z.input<typeof clusterSpecSchema>;
/** A validated cluster spec with defaults applied. */
export type ClusterSpec = z.output<typeof clusterSpecSchema>;

export const hostKeySchema = z.strictObject({
  algorithm: z.string(),
  fingerprint: z.string(),
  /**
   * Base64 of the pinned key itself: what the per-run known_hosts of every
   * Ansible/ssh run is written from. null for pins made before Keyturn kept
   * the key; such a node must be trusted again (same fingerprint) before a
   * playbook runs on it.
   */
  publicKey: z.string().nullable(),
  pinnedAt: timestampSchema,
});

export const nodeViewSchema = z.strictObject({
  name: z.string(),
  host: z.string(),
  port: z.number(),
  user: z.string(),
  keyPath: z.string().nullable(),
  hostKey: hostKeySchema.nullable(),
});

export const healthSchema = z.enum(['unknown', 'ready', 'degraded', 'down']);

export const clusterSummarySchema = z.strictObject({
  id: idSchema,
  name: z.string(),
  environment: z.string(),
  version: z.string(),
  nodeCount: z.number(),
  health: healthSchema,
  healthCheckedAt: timestampSchema.nullable(),
  lastBackupAt: timestampSchema.nullable(),
  lastRun: z
    .strictObject({
      id: idSchema,
      kind: z.string(),
      status: z.string(),
      finishedAt: timestampSchema.nullable(),
      /** What the availability prober measured during it (from its ledger samples); null when it probed nothing. */
      availability: z.strictObject({ requests: z.number().int().nonnegative(), failed: z.number().int().nonnegative() }).nullable().optional(),
    })
    .nullable(),
  /**
   * The fleet view's facts (issue 14). Optional so older producers and
   * readers keep working; `clusters:list` always fills them.
   */
  versions: z
    .strictObject({
      /** False when no published versions are known (air-gapped, nothing fetched): then nothing below is advice. */
      known: z.boolean(),
      newestPatch: z.string().nullable(),
      patchesBehind: z.number().int().nonnegative(),
      newestMinor: z.string().nullable(),
      minorsBehind: z.number().int().nonnegative(),
      /** "2 patches behind, 1 minor behind", "up to date"; null when not known. */
      behind: z.string().nullable(),
    })
    .optional(),
  lastBackup: z
    .strictObject({ id: idSchema, at: timestampSchema, ageDays: z.number().int().nonnegative(), verified: z.boolean(), verifiedAt: timestampSchema.nullable() })
    .nullable()
    .optional(),
  /** A blue/green colour kept as standby, and since when (it became standby). */
  standby: z
    .strictObject({ colour: z.string(), version: z.string(), since: timestampSchema, ageDays: z.number().int().nonnegative() })
    .nullable()
    .optional(),
  /** A run stopped half-way (interrupted or paused) that needs resuming or rolling back. */
  stoppedRun: z
    .strictObject({ id: idSchema, kind: z.string(), status: z.enum(['interrupted', 'paused']), step: z.string().nullable() })
    .nullable()
    .optional(),
  /** What to do next, most urgent first (shared/domain/next-action.ts). */
  nextActions: z
    .array(z.strictObject({
      kind: z.enum(['resume-run', 'patch', 'no-backup', 'backup-stale', 'backup-unverified', 'standby', 'minor']),
      severity: z.enum(['critical', 'warning', 'info']),
      text: z.string(),
    }))
    .optional(),
});
export type ClusterSummary = z.infer<typeof clusterSummarySchema>;

export const clusterDetailSchema = z.strictObject({
  id: idSchema,
  name: z.string(),
  spec: clusterSpecSchema,
  nodes: z.array(nodeViewSchema),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type ClusterDetail = z.infer<typeof clusterDetailSchema>;

export const hostKeyScanSchema = z.strictObject({
  node: z.string(),
  host: z.string(),
  port: z.number(),
  algorithm: z.string().nullable(),
  fingerprint: z.string().nullable(),
  /** new: never pinned; match: same as pinned; changed: differs from pinned (stop!); unreachable: no answer. */
  status: z.enum(['new', 'match', 'changed', 'unreachable']),
  error: z.string().nullable(),
});
export type HostKeyScan = z.infer<typeof hostKeyScanSchema>;

export const connectionTestSchema = z.strictObject({
  node: z.string(),
  ok: z.boolean(),
  detail: z.string(),
});

const byName = z.strictObject({ name: nameSchema });

export const clusterCalls = {
  'clusters:list': defineCall({
    summary: 'All registered clusters with version, node count, health, last backup and last run, and the fleet facts: versions behind, backup age, standby, stopped run, next actions.',
    input: emptyInput,
    output: z.array(clusterSummarySchema),
    errors: [],
  }),
  'clusters:get': defineCall({
    summary: 'One cluster with its full spec and pinned host keys.',
    input: byName,
    output: clusterDetailSchema,
    errors: ['not-found'],
  }),
  'clusters:register': defineCall({
    summary: 'Records a new cluster. Connects to nothing.',
    input: z.strictObject({ spec: clusterSpecSchema }),
    output: clusterDetailSchema,
    errors: ['conflict'],
  }),
  'clusters:update': defineCall({
    summary: 'Replaces the spec of a registered cluster (host keys of unchanged nodes are kept).',
    input: z.strictObject({ name: nameSchema, spec: clusterSpecSchema }),
    output: clusterDetailSchema,
    errors: ['not-found', 'conflict', 'locked'],
  }),
  'clusters:remove': defineCall({
    summary: 'Forgets a cluster and its history. Touches none of its hosts.',
    input: byName,
    output: z.strictObject({ removed: z.literal(true) }),
    errors: ['not-found', 'locked'],
  }),
  'clusters:scanHostKeys': defineCall({
    summary: "Reads each node's SSH host key (no login) so the operator can compare fingerprints before pinning.",
    input: byName,
    output: z.array(hostKeyScanSchema),
    errors: ['not-found'],
  }),
  'clusters:pinHostKeys': defineCall({
    summary: 'Pins the host keys the operator confirmed, then logs in to each node to test the connection.',
    input: z.strictObject({
      name: nameSchema,
      confirm: z.array(z.strictObject({ node: nameSchema, fingerprint: z.string().min(1).max(200) })).max(64),
    }),
    output: z.array(connectionTestSchema),
    errors: ['not-found', 'host-key-mismatch', 'host-key-unconfirmed'],
  }),
} as const;
