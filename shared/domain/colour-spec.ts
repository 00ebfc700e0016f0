/**
 * The cluster spec of the other colour, derived from the serving one's.
 *
 * Green is blue again on other hosts: the same Keycloak options (the target
 * version's, once the run installs it), the same credential references, the
 * same playbooks and public name. What differs is where it runs: its nodes,
 * its database and its load balancer, from the colour's deployment. Deriving
 * it (instead of asking the operator for a second cluster file) keeps the
 * two colours from drifting apart in anything but their addresses.
 *
 * Database options that name blue's database (`db-url-host`, `db-url-port`,
 * `db-url-database`, or the host, port and database inside `db-url`) are
 * pointed at green's: a green that kept them would start against blue's
 * database, the one thing blue/green must never do. The derivation refuses a
 * `db-url` it cannot rewrite rather than guessing.
 */
import type { ClusterSpec } from '../contract/clusters.ts';
import type { ColourDeployment } from '../contract/colours.ts';
import { KeyturnError } from '../errors.ts';
import { compareVersions, parseVersion } from './versions.ts';

const JDBC = /^(jdbc:postgresql:\/\/)([^/:?]+)(?::(\d+))?\/([^?]+)(\?.*)?$/;

/** The Keycloak options with every database address pointed at the colour's database. */
export function colourDatabaseOptions(options: Readonly<Record<string, string>>, db: ColourDeployment['database']): Record<string, string> {
  const out: Record<string, string> = { ...options };
  if ('db-url-host' in out) out['db-url-host'] = db.address;
  if ('db-url-port' in out) out['db-url-port'] = String(db.port);
  if ('db-url-database' in out) out['db-url-database'] = db.name;
  const url = out['db-url'];
  if (url !== undefined) {
    const m = JDBC.exec(url);
    if (!m) {
      throw new KeyturnError('invalid-input', `The option db-url (${url.replace(/\/\/[^@/]*@/, '//***@')}) is not a jdbc:postgresql://host[:port]/database URL Keyturn can point at the other colour's database.`,
        'Use db-url-host, db-url-port and db-url-database instead (Keyturn rewrites them for each colour), or a plain jdbc:postgresql://host:port/database URL.');
    }
    out['db-url'] = `${m[1]}${db.address}:${db.port}/${db.name}${m[5] ?? ''}`;
  }
  if (out['db-username'] !== undefined) out['db-username'] = db.user;
  return out;
}

/** The embedded cache's cluster name as a Keycloak option (SPI cache-embedded, provider default). */
export const CACHE_CLUSTER_NAME_OPTION = 'spi-cache-embedded--default--cluster-name';

/** Whether Keycloak `version` takes a cache cluster name: 26.7.0 and 26.7.3 ship the option, 26.5.6 does not (read from their distributions). */
export function takesCacheClusterName(version: string): boolean {
  const v = parseVersion(version);
  return v !== null && compareVersions(version, '26.7.0') >= 0;
}

/**
 * The options with the colour's own cache cluster name where its version
 * takes one (`keycloak-green`, or the cluster's own name with the colour
 * instead of another colour's): JGroups discovery reads only rows of its own
 * cluster name, so a colour never joins the other, even if a copied
 * discovery row were left behind. Where the version takes none, any name
 * carried over from a newer colour is dropped.
 */
export function colourCacheOptions(options: Readonly<Record<string, string>>, colour: ColourDeployment['colour'], version: string): Record<string, string> {
  const out: Record<string, string> = { ...options };
  if (!takesCacheClusterName(version)) {
    delete out[CACHE_CLUSTER_NAME_OPTION];
    return out;
  }
  const base = (options[CACHE_CLUSTER_NAME_OPTION] ?? 'keycloak').replace(/-(blue|green)$/, '') || 'keycloak';
  out[CACHE_CLUSTER_NAME_OPTION] = `${base}-${colour}`;
  return out;
}

/** The cache cluster name a colour's nodes run with, or undefined where the version takes none (any name is accepted then). */
export const colourCacheClusterName = (options: Readonly<Record<string, string>>, colour: ColourDeployment['colour'], version: string): string | undefined =>
  colourCacheOptions(options, colour, version)[CACHE_CLUSTER_NAME_OPTION];

/**
 * The spec the engine runs the colour's steps with: blue's, on the colour's
 * nodes (each node's ports, user and Keycloak home as blue's first node has
 * them), database, load balancer and inventory; with `version`, the options
 * carry the colour's own cache cluster name as its Keycloak takes it.
 */
export function colourSpec(serving: ClusterSpec, d: ColourDeployment, version?: string): ClusterSpec {
  const template = serving.nodes[0];
  if (!template) throw new KeyturnError('invalid-input', `Cluster '${serving.name}' has no node to take the colour's node settings from.`, 'Add its nodes to the cluster file.');
  const options = colourDatabaseOptions(serving.keycloak.options, d.database);
  return {
    ...serving,
    keycloak: { ...serving.keycloak, options: version === undefined ? options : colourCacheOptions(options, d.colour, version) },
    nodes: d.nodes.map((n) => ({
      name: n.name,
      host: n.sshHost ?? n.address,
      port: n.sshPort,
      user: template.user,
      ...(d.keyPath ?? template.keyPath ? { keyPath: d.keyPath ?? template.keyPath } : {}),
      address: n.address,
      httpPort: template.httpPort,
      managementPort: template.managementPort,
      keycloakHome: n.keycloakHome ?? template.keycloakHome,
    })),
    database: { ...serving.database, host: d.database.address, port: d.database.port, name: d.database.name, user: d.database.user },
    loadBalancer: { kind: 'haproxy', runtimeApi: d.loadBalancer.runtimeApi, backend: d.loadBalancer.backend, ...(d.loadBalancer.freezeAclFile ? { freeze: { aclFile: d.loadBalancer.freezeAclFile } } : {}) },
    ...(serving.ansible ? { ansible: { ...serving.ansible, inventory: d.inventory } } : {}),
  };
}

type Standby = NonNullable<NonNullable<ClusterSpec['blueGreen']>['standby']>;

/**
 * What of a described standby is the serving colour's own: a node reached
 * at the same host and SSH port, the same database, the same load balancer.
 * After a switch the cluster file may still describe the colour that now
 * serves; building there would overwrite what clients use. Empty when the
 * standby is separate.
 */
export function standbyClashes(standby: Standby, serving: Pick<ColourDeployment, 'nodes' | 'database' | 'loadBalancer'>): string[] {
  const servingHosts = new Set(serving.nodes.flatMap((n) => [n.address, n.sshHost ?? n.address].map((h) => `${h}:${n.sshPort}`)));
  const db = standby.database;
  const lb = standby.loadBalancer;
  return [
    ...standby.nodes.filter((n) => servingHosts.has(`${n.sshHost ?? n.address}:${n.sshPort}`) || servingHosts.has(`${n.address}:${n.sshPort}`)).map((n) => `node ${n.name} (${n.sshHost ?? n.address}:${n.sshPort})`),
    ...(db.address === serving.database.address && db.port === serving.database.port && db.name === serving.database.name ? [`database ${db.address}:${db.port}/${db.name}`] : []),
    ...(lb.address === serving.loadBalancer.address && lb.port === serving.loadBalancer.port ? [`load balancer ${lb.address}:${lb.port}`] : []),
  ];
}
