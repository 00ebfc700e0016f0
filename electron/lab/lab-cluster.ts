/**
 * The lab as a registered cluster: what `lab up` records in the ledger, in
 * the same shape an operator writes for production. Secrets are references
 * to 0600 files in the lab directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterSpecSchema, type ClusterSpec } from '../../shared/contract/index.ts';
import type { LabCredentials, LabPaths } from './lab-paths.ts';
import type { LabOutputs } from './lab-terraform.ts';

/** Cluster-wide options the lab runs with besides what Terraform derives (db, hostname). */
export const labBaseOptions: Record<string, string> = {
  cache: 'ispn',
  'cache-stack': 'jdbc-ping',
  'health-enabled': 'true',
  'metrics-enabled': 'true',
  'http-enabled': 'true',
  'proxy-headers': 'xforwarded',
};

/** Writes one secret to its own 0600 file so the ledger can refer to it. */
function secretFile(paths: LabPaths, name: string, value: string): string {
  const dir = join(paths.root, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, name);
  writeFileSync(file, value, { mode: 0o600 });
  return file;
}

/** Options exactly as the nodes get them (cluster-wide ones), without the secret. */
export function labOptions(out: LabOutputs): Record<string, string> {
  const fromTerraform = Object.fromEntries(Object.entries(out.keycloak_options).filter(([k]) => k !== 'db-password'));
  return { ...labBaseOptions, ...fromTerraform };
}

export function labClusterSpec(paths: LabPaths, out: LabOutputs, creds: LabCredentials, version: string, javaHome: string): ClusterSpec {
  const dbPasswordFile = secretFile(paths, 'db-password', creds.dbPassword);
  const adminPasswordFile = secretFile(paths, 'admin-password', creds.adminPassword);
  const clientSecretFile = secretFile(paths, 'client-secret', creds.clientSecret);
  const userPasswordFile = secretFile(paths, 'user-password', creds.userPassword);
  return clusterSpecSchema.parse({
    name: 'lab',
    environment: 'lab',
    description: 'Local sandbox built by `keyturn lab up`: real Keycloak nodes on loopback addresses.',
    keycloak: {
      version,
      url: out.public_url,
      options: labOptions(out),
      secretOptions: { 'db-password': { file: dbPasswordFile } },
      javaHome,
    },
    nodes: out.nodes.map((n) => ({
      name: n.name,
      host: n.address,
      port: n.ssh_port,
      user: out.ssh.user,
      keyPath: out.ssh.private_key_file,
      address: n.address,
      httpPort: Number(new URL(n.http_url).port),
      managementPort: Number(new URL(n.management_url).port),
      keycloakHome: `${n.node_root}/opt/keycloak`,
    })),
    database: { host: out.postgres.host, port: out.postgres.port, name: out.postgres.database, user: out.postgres.username, passwordRef: { file: dbPasswordFile } },
    traffic: { kind: 'dns', name: `${out.dns.record}`, server: out.dns.server, port: out.dns.port, zone: out.dns.zone, ttl: 1, tsigKeyRef: { file: out.dns.tsig_key_file } },
    loadBalancer: { kind: 'haproxy', runtimeApi: out.haproxy.admin_socket, backend: out.haproxy.backend, ...(out.haproxy.freeze_acl_file ? { freeze: { aclFile: out.haproxy.freeze_acl_file } } : {}) },
    terraform: { dir: paths.terraformDir, secretVars: { db_password: { file: dbPasswordFile } } },
    ansible: {
      inventory: paths.inventoryFile,
      playbook: join(paths.resources, 'ansible', 'install-keycloak.yml'),
      stopPlaybook: join(paths.resources, 'ansible', 'stop-keycloak.yml'),
      phased: true,
    },
    probe: { realm: creds.realm, clientId: creds.clientId, clientSecretRef: { file: clientSecretFile }, allowedNetworks: ['127.0.0.0/8'] },
    admin: { username: creds.adminUser, passwordRef: { file: adminPasswordFile } },
    // Blue/green's smoke tests log this realm user in on green before any switch.
    smoke: { user: { username: creds.username, passwordRef: { file: userPasswordFile } }, checks: [] },
    // The lab's clients are its own prober and tests, all resolving through its BIND with a 1 s TTL: a shorter watch and grace than production's defaults.
    blueGreen: { watchSeconds: 20, graceSeconds: 3 },
  });
}
