/**
 * Proof that the lab is what it claims: every node ready and seeing the same
 * cluster size, and the OIDC flows a real client uses (client credentials,
 * password login, refresh, userinfo) working through the public DNS name,
 * resolved by the lab's own DNS server.
 */
import { KeyturnError } from '../../shared/errors.ts';
import { checkHealth, clusterSize } from '../tools/health.ts';
import { requestViaDns, type DnsServer } from '../tools/http-via-dns.ts';
import type { LabCredentials } from './lab-paths.ts';
import type { LabOutputs } from './lab-terraform.ts';

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
}

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();

/**
 * A fresh node answers its first token requests slowly (cold JVM), more so on
 * a busy machine: the lab waits generously, and a request that gets no answer
 * is a lab failure saying so, not an unexpected one.
 */
const verifyTimeoutMs = 60_000;

async function labRequest(url: string, dns: DnsServer, init: Parameters<typeof requestViaDns>[2]): ReturnType<typeof requestViaDns> {
  try {
    return await requestViaDns(url, dns, { ...init, timeoutMs: verifyTimeoutMs });
  } catch (err) {
    if (err instanceof KeyturnError) throw err;
    throw new KeyturnError('lab-failed', `${new URL(url).pathname} through ${new URL(url).host} got no answer: ${(err as Error).message}.`, 'Check `keyturn lab status` (DNS, HAProxy, the nodes), then run `keyturn lab up` again.');
  }
}

/** Posts to the realm's token endpoint through the public name; throws naming the grant when refused. */
export async function labToken(publicUrl: string, dns: DnsServer, creds: LabCredentials, grant: Record<string, string>): Promise<TokenSet> {
  const res = await labRequest(`${publicUrl}/realms/${creds.realm}/protocol/openid-connect/token`, dns, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ client_id: creds.clientId, client_secret: creds.clientSecret, ...grant }),
  });
  if (res.status !== 200) {
    throw new KeyturnError('lab-failed', `The ${grant.grant_type} grant through ${publicUrl} answered HTTP ${res.status}: ${res.body.slice(0, 200)}`, 'Check the realm, client and user (`keyturn lab status`), then run `keyturn lab up` again to converge them.');
  }
  return JSON.parse(res.body) as TokenSet;
}

export async function verifyLab(out: LabOutputs, creds: LabCredentials, expectedSize: number): Promise<{ clusterSize: number }> {
  const sizes: number[] = [];
  for (const n of out.nodes) {
    const managementPort = Number(new URL(n.management_url).port);
    const health = await checkHealth({ address: n.address, managementPort, path: '/health/ready' });
    if (health.status !== 'UP') throw new KeyturnError('lab-failed', `Node ${n.name} (${n.address}) is not ready: ${health.status}.`, 'Look at the node log under the lab state directory (nodes/<name>/var/log/keycloak).');
    sizes.push((await clusterSize({ address: n.address, managementPort })) ?? 0);
  }
  if (sizes.some((s) => s !== expectedSize)) {
    throw new KeyturnError('lab-failed', `The nodes see cluster sizes ${sizes.join(', ')} instead of ${expectedSize}: they did not form one cluster.`, 'Check that each node binds its own address (cache-embedded-network-bind-address) and that the JGROUPS_PING table is reachable.');
  }
  const dns = { server: out.dns.server, port: out.dns.port };
  await labToken(out.public_url, dns, creds, { grant_type: 'client_credentials' });
  const login = await labToken(out.public_url, dns, creds, { grant_type: 'password', username: creds.username, password: creds.userPassword, scope: 'openid' });
  if (!login.refresh_token) throw new KeyturnError('lab-failed', 'The password grant returned no refresh token.', 'Check the lab client settings.');
  const refreshed = await labToken(out.public_url, dns, creds, { grant_type: 'refresh_token', refresh_token: login.refresh_token });
  const info = await labRequest(`${out.public_url}/realms/${creds.realm}/protocol/openid-connect/userinfo`, dns, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
  if (info.status !== 200) throw new KeyturnError('lab-failed', `userinfo through ${out.public_url} answered HTTP ${info.status}.`, 'Check the lab realm configuration.');
  return { clusterSize: sizes[0] ?? 0 };
}
