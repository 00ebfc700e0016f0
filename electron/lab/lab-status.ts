/**
 * What of the lab is running right now, read from the real parts (Terraform
 * state, each node over SSH and its management port, the DNS server), never
 * from what Keyturn last wrote down; except which colour serves and which is
 * kept as standby, which only the ledger knows.
 */
import type { LabColours, LabStatus } from '../../shared/contract/index.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import { listColours } from '../ledger/colours-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { resolve as resolveDns } from '../tools/dns.ts';
import { checkHealth, clusterSize } from '../tools/health.ts';
import { connectSsh } from '../tools/ssh.ts';
import { labCredentials, type LabPaths } from './lab-paths.ts';
import { readLabOutputs, type LabNodeOutput } from './lab-terraform.ts';

const defaults = { url: 'http://sso.lab.test:8080', dns: { server: '127.0.53.1', port: 53, name: 'sso.lab.test' } };

/** Installed version and JDK of one node, asked over SSH with its pinned host key. */
async function nodeFacts(db: Ledger, n: LabNodeOutput, user: string, keyPath: string): Promise<{ version: string | null; jdk: string | null }> {
  let pinned: string | null;
  try {
    pinned = getCluster(db, 'lab').nodes.find((x) => x.name === n.name)?.hostKey?.fingerprint ?? null;
  } catch {
    return { version: null, jdk: null };
  }
  if (!pinned) return { version: null, jdk: null };
  const session = await connectSsh({ host: n.address, port: n.ssh_port, user, keyPath, pinnedFingerprint: pinned, timeoutMs: 5000 });
  try {
    const script = 'readlink "$1/opt/keycloak"; jh=$(sed -n "s/^JAVA_HOME=//p" "$1/etc/keycloak/supervisor.env"); echo "$jh"; grep -E "^(JAVA_VERSION|IMPLEMENTOR)=" "$jh/release"';
    const r = await session.exec(['sh', '-c', script, 'kc-facts', n.node_root], { timeoutMs: 5000 });
    const [link = '', javaHome = '', ...release] = r.stdout.split('\n');
    const field = (k: string) => release.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1).replace(/"/g, '') ?? null;
    const version = /keycloak-(\d+\.\d+\.\d+[^/]*)$/.exec(link.trim())?.[1] ?? null;
    const jdk = javaHome ? `${field('IMPLEMENTOR') ?? 'JDK'} ${field('JAVA_VERSION') ?? '?'} (${javaHome.trim()})` : null;
    return { version, jdk };
  } finally {
    await session.close();
  }
}

/**
 * Which colour of the lab serves and which is kept, from the ledger (what the
 * blue/green runs recorded): the lab's Terraform outputs always describe blue,
 * so they cannot say which colour clients reach. With no colours recorded the
 * lab is blue, on the cluster's own nodes. null without a lab cluster.
 */
export function labColours(db: Ledger, now = Date.now()): LabColours | null {
  let lab: ReturnType<typeof getCluster>;
  try {
    lab = getCluster(db, 'lab');
  } catch {
    return null;
  }
  const colours = listColours(db, lab.id);
  const nodesOf = (ns: readonly { name: string; address: string }[]) => ns.map((n) => ({ name: n.name, address: n.address }));
  const active = colours.find((c) => c.role === 'active');
  // The other live colour: the standby, else one being built (or left half-built by a failed run).
  const other = colours.find((c) => c.role === 'standby') ?? colours.find((c) => c.role === 'building');
  return {
    active: active
      ? { colour: active.colour, version: active.version, nodes: nodesOf(active.deployment.nodes) }
      : { colour: 'blue', version: lab.spec.keycloak.version, nodes: nodesOf(lab.spec.nodes.map((n) => ({ name: n.name, address: n.address ?? n.host }))) },
    standby: other
      ? { colour: other.colour, role: other.role, version: other.version, ageSeconds: Math.max(0, Math.floor((now - Date.parse(other.updatedAt)) / 1000)), nodes: nodesOf(other.deployment.nodes) }
      : null,
  };
}

export async function labStatus(db: Ledger, paths: LabPaths): Promise<LabStatus> {
  const creds = labCredentials(paths, false);
  const base = {
    realm: creds?.realm ?? 'lab',
    clientId: creds?.clientId ?? 'lab-client',
    clientSecret: creds?.clientSecret ?? null,
    username: creds?.username ?? 'lab-user',
    password: creds?.userPassword ?? null,
  };
  const out = await readLabOutputs(paths);
  const colours = labColours(db);
  if (!out) return { state: 'absent', ...defaults, ...base, clusterSize: null, nodes: [], colours, problems: [] };
  const problems: string[] = [];
  const nodes = await Promise.all(
    out.nodes.map(async (n) => {
      const managementPort = Number(new URL(n.management_url).port);
      const health = await checkHealth({ address: n.address, managementPort, path: '/health/ready', timeoutMs: 3000 }).catch(() => ({ status: 'unreachable' as const }));
      const facts = await nodeFacts(db, n, out.ssh.user, out.ssh.private_key_file).catch((err: unknown) => {
        problems.push(`${n.name}: SSH: ${(err as Error).message}`);
        return { version: null, jdk: null };
      });
      if (health.status !== 'UP') problems.push(`${n.name} (${n.address}) is not ready: ${health.status}`);
      const size = health.status === 'UP' ? await clusterSize({ address: n.address, managementPort }).catch(() => null) : null;
      return { name: n.name, address: n.address, version: facts.version, ready: health.status === 'UP', jdk: facts.jdk, size };
    }),
  );
  const dnsName = out.dns.record;
  const resolved = await resolveDns({ server: out.dns.server, port: out.dns.port, name: dnsName, type: 'A', timeoutMs: 2000 }).catch((err: unknown) => {
    problems.push(`DNS ${out.dns.server}:${out.dns.port}: ${(err as Error).message}`);
    return null;
  });
  if (resolved && resolved.values[0] !== out.haproxy.address) problems.push(`${dnsName} resolves to ${resolved.values.join(', ') || 'nothing'}, not the load balancer ${out.haproxy.address}`);
  const sizes = nodes.map((n) => n.size).filter((s): s is number => s !== null);
  return {
    state: problems.length === 0 ? 'up' : 'partial',
    url: out.public_url,
    dns: { server: out.dns.server, port: out.dns.port, name: dnsName },
    ...base,
    clusterSize: sizes.length ? Math.min(...sizes) : null,
    nodes: nodes.map(({ size: _size, ...n }) => n),
    colours,
    problems,
  };
}
