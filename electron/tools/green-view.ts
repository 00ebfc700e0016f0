/**
 * Whether one colour's cluster view holds exactly its own nodes.
 *
 * Why: a green cluster restored from blue's backup starts with blue's
 * `JGROUPS_PING` rows; if they are not cleared, or a green node points at
 * blue's database, the two colours form one cache cluster and a "switch" moves
 * nothing. Before promotion (and for blue after the clone) Keyturn checks two
 * independent witnesses: the discovery rows in the colour's own database name
 * exactly that colour's node addresses, and every node's own
 * `vendor_cluster_size` is N. The result names what is unexpected or missing;
 * the caller decides.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { clusterSize, type HealthTarget } from './health.ts';
import { readJgroupsPing, type JgroupsMember, type JgroupsPingOptions } from './jgroups-ping.ts';
import type { PgConnection } from './postgres.ts';

/** One node of the colour: its name, the address JGroups binds to, and its management port. */
export interface ViewNode extends HealthTarget {
  name: string;
}

/** A node whose own metric does not say N. */
export interface SizeFinding {
  node: string;
  /** What `vendor_cluster_size` said; null when metrics are off or the metric is missing. */
  size: number | null;
  /** Why it could not be read, when it could not. */
  error: string | null;
}

export interface ColourView {
  ok: boolean;
  expectedSize: number;
  /** false when the database has no `JGROUPS_PING` (before 26.1, or another discovery stack): only sizes were checked. */
  tablePresent: boolean;
  /** Every row read. */
  rows: JgroupsMember[];
  /** Rows naming an address that is not one of the colour's nodes (or of another JGroups cluster name than expected). */
  unexpectedRows: JgroupsMember[];
  /** Colour nodes without a row. */
  missingNodes: string[];
  /** Further rows of one node's address (an earlier incarnation the coordinator has not removed yet); reported, not a failure. */
  duplicateRows: JgroupsMember[];
  /** Every node's size as read. */
  sizes: SizeFinding[];
  /** Nodes whose size is not N (or unreadable). */
  wrongSize: SizeFinding[];
  /** One line per finding, for the run log and the CLI. */
  problems: string[];
}

/** The host part of a `JGROUPS_PING.ip` value: `127.0.10.1:7800`, `[::1]:7800`, or a bare address. */
export function rowHost(ip: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed) return bracketed[1]!;
  if (isIP(ip) === 6) return ip;
  return ip.replace(/:\d+$/, '');
}

/**
 * Compares what was read with what the colour should be (pure, so every
 * finding is testable on its own). `addresses` maps each node name to the IP
 * addresses it may appear under.
 */
export function compareView(input: {
  nodes: readonly { name: string; addresses: readonly string[] }[];
  table: { present: boolean; members: JgroupsMember[] };
  sizes: SizeFinding[];
  clusterName?: string | undefined;
}): ColourView {
  const expectedSize = input.nodes.length;
  const owner = new Map<string, string>();
  for (const n of input.nodes) for (const a of n.addresses) owner.set(a.toLowerCase(), n.name);
  const unexpectedRows: JgroupsMember[] = [];
  const duplicateRows: JgroupsMember[] = [];
  const seen = new Set<string>();
  for (const row of input.table.members) {
    const node = owner.get(rowHost(row.ip).toLowerCase());
    if (!node || (input.clusterName !== undefined && row.clusterName !== input.clusterName)) unexpectedRows.push(row);
    else if (seen.has(node)) duplicateRows.push(row);
    else seen.add(node);
  }
  const missingNodes = input.table.present ? input.nodes.filter((n) => !seen.has(n.name)).map((n) => n.name) : [];
  const wrongSize = input.sizes.filter((s) => s.size !== expectedSize);
  const problems = [
    ...unexpectedRows.map((r) => `JGROUPS_PING row ${r.address} (${r.name ?? 'no name'}, ${r.ip}, cluster ${r.clusterName}) is not a member of this colour`),
    ...missingNodes.map((n) => `node ${n} has no JGROUPS_PING row`),
    ...wrongSize.map((s) => `node ${s.node} sees ${s.error ? `no cluster size (${s.error})` : `cluster size ${s.size ?? 'unknown (metric missing)'}`}, expected ${expectedSize}`),
  ];
  return { ok: problems.length === 0, expectedSize, tablePresent: input.table.present, rows: input.table.members, unexpectedRows, missingNodes, duplicateRows, sizes: input.sizes, wrongSize, problems };
}

/** The addresses a node may appear under in `JGROUPS_PING`: itself when it is an IP, else what it resolves to here. */
async function addressesOf(address: string): Promise<string[]> {
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return [bare];
  const found = await lookup(bare, { all: true }).catch(() => []);
  return [bare, ...found.map((f) => f.address)];
}

export interface ColourViewOptions extends JgroupsPingOptions {
  /** The JGroups cluster name the colour was given (`cache-embedded-...`/`jgroups` name); rows of another name are unexpected. */
  clusterName?: string | undefined;
}

/**
 * Reads the colour's `JGROUPS_PING` (from `db`, the colour's own database)
 * and each node's `vendor_cluster_size`, and compares them with `nodes`.
 * Throws only when the database cannot be read; an unreachable node is a
 * finding.
 */
export async function checkColourView(db: PgConnection, nodes: readonly ViewNode[], opts: ColourViewOptions = {}): Promise<ColourView> {
  const { clusterName, ...pg } = opts;
  const table = await readJgroupsPing(db, pg);
  const sizes = await Promise.all(
    nodes.map(async (n): Promise<SizeFinding> => {
      try {
        const { name: _name, ...target } = n;
        return { node: n.name, size: await clusterSize({ ...target, ...(opts.signal ? { signal: opts.signal } : {}) }), error: null };
      } catch (err) {
        return { node: n.name, size: null, error: (err as Error).message };
      }
    }),
  );
  const withAddresses = await Promise.all(nodes.map(async (n) => ({ name: n.name, addresses: await addressesOf(n.address) })));
  return compareView({ nodes: withAddresses, table, sizes, clusterName });
}
