/**
 * The options `kc.sh` gets, built the same way for metadata, check and (later)
 * start: the cluster's recorded options (stored without dashes), the
 * per-node ones the node spec implies, and the operator's edits for a target.
 *
 * The guide insists that metadata and check see *all* start options or the
 * answer may be wrong, so there is exactly one function that assembles them.
 * Secret options never appear here as values: they go to the process as
 * environment variables (see `secretEnvName`). Pure.
 */

/** The parts of a cluster spec that decide a node's options. */
export interface OptionSource {
  options: Readonly<Record<string, string>>;
}

/** The parts of a node spec that become options. */
export interface NodeOptionSource {
  host: string;
  address?: string | undefined;
  httpPort: number;
  managementPort: number;
}

/** Edits the operator asks for in a plan. */
export interface OptionEdits {
  set?: Readonly<Record<string, string>> | undefined;
  unset?: readonly string[] | undefined;
  /** The complete `--features` list ([] removes the option). */
  features?: readonly string[] | undefined;
  /** The complete `--features-disabled` list ([] removes the option). */
  featuresDisabled?: readonly string[] | undefined;
}

/** Per-node options as the node spec defines them (where the node listens). */
export function nodeOptions(node: NodeOptionSource): Record<string, string> {
  return {
    'http-host': node.address ?? node.host,
    'http-port': String(node.httpPort),
    'http-management-port': String(node.managementPort),
  };
}

/** Cluster-wide options plus the node's own; explicit cluster options win over derived ones. */
export function startOptions(cluster: OptionSource, node: NodeOptionSource): Record<string, string> {
  return { ...nodeOptions(node), ...cluster.options };
}

/**
 * Applies a plan's edits: `unset`, then `set`, then the feature lists, which
 * replace `features` / `features-disabled` as kc.sh's own flags would.
 */
export function applyEdits(options: Readonly<Record<string, string>>, edits: OptionEdits): Record<string, string> {
  const out: Record<string, string> = { ...options };
  for (const key of edits.unset ?? []) delete out[key];
  Object.assign(out, edits.set ?? {});
  const lists: [string, readonly string[] | undefined][] = [['features', edits.features], ['features-disabled', edits.featuresDisabled]];
  for (const [key, list] of lists) {
    if (list === undefined) continue;
    if (list.length === 0) delete out[key];
    else out[key] = [...new Set(list)].join(',');
  }
  return out;
}

/** `{ 'cache-stack': 'jdbc-ping' }` -> `['--cache-stack=jdbc-ping']`, sorted so the same options give the same argv. */
export function toKcArgs(options: Readonly<Record<string, string>>): string[] {
  return Object.keys(options).sort().map((k) => `--${k}=${options[k]}`);
}

/** The environment variable Keycloak reads an option from: `db-password` -> `KC_DB_PASSWORD`. */
export function secretEnvName(key: string): string {
  return `KC_${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * A stable text of everything that decides compatibility metadata: version,
 * options, and the *names* of secret options (never their values). Hashed by
 * the caller to tell whether stored metadata still describes the deployment.
 */
export function metadataFingerprintText(version: string, options: Readonly<Record<string, string>>, secretKeys: readonly string[]): string {
  const sorted = Object.keys(options).sort().map((k) => [k, options[k]]);
  return JSON.stringify({ version, options: sorted, secrets: [...secretKeys].sort() });
}

/** Reads `key=value` lines of a keycloak.conf (comments and blank lines skipped; the value is everything after the first `=`). */
export function parseKeycloakConf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Options a node sets for itself (where it listens and how its cluster
 * members reach it): a playbook derives them from the node, so the node's
 * keycloak.conf holds them whether or not the cluster record names them.
 */
export const nodeOwnedOptions: readonly string[] = [
  ...Object.keys(nodeOptions({ host: '', httpPort: 0, managementPort: 0 })),
  'https-port',
  'cache-embedded-network-bind-address',
  'cache-embedded-network-bind-port',
  'cache-embedded-network-external-address',
  'cache-embedded-network-external-port',
];

/** One option on which the record and the node disagree; `null` is "not set" on that side. */
export interface OptionDriftItem {
  key: string;
  recorded: string | null;
  running: string | null;
}

/**
 * Where the cluster record and what a node runs disagree, in both
 * directions: metadata must describe what runs, so a record edited by hand
 * (say cache-stack changed to tcp while the nodes still run jdbc-ping, or an
 * option removed from the record that the nodes still set) would make the
 * compatibility check answer for a deployment that does not exist.
 * Record entries come first (in record order), then options only the node
 * sets (in its order). Not drift: node-owned options the record leaves out
 * (`nodeOwnedOptions`), and secret options, which the record names in
 * `secretKeys` and whose values are never compared.
 */
export function optionDrift(recorded: Readonly<Record<string, string>>, running: Readonly<Record<string, string>>, secretKeys: readonly string[] = []): OptionDriftItem[] {
  const runs = (k: string) => (Object.hasOwn(running, k) ? running[k]! : null);
  const changed = Object.entries(recorded)
    .filter(([k, v]) => runs(k) !== v)
    .map(([key, v]) => ({ key, recorded: v, running: runs(key) }));
  const ignored = new Set([...nodeOwnedOptions, ...secretKeys]);
  const unrecorded = Object.entries(running)
    .filter(([k]) => !Object.hasOwn(recorded, k) && !ignored.has(k))
    .map(([key, v]) => ({ key, recorded: null, running: v }));
  return [...changed, ...unrecorded];
}
