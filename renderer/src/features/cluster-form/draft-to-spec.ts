/**
 * Draft -> the spec sent to `clusters:register` / `clusters:update`.
 *
 * Deliberately not a validator: values are passed on as typed (trimmed) so the
 * server's answer points at the exact field that is wrong. Empty optional
 * fields are omitted so the schema's defaults apply (port 22, 8080, 9000 …).
 * Secrets only ever leave as references: the draft has no field that could
 * hold a secret value.
 */
import type { ClusterSpecInput, SecretRef } from '../../../../shared/contract/index.ts';
import type { ClusterDraft, SecretRefDraft } from './draft.ts';

const opt = (v: string): string | undefined => (v.trim() === '' ? undefined : v.trim());

/** Ports and TTLs: empty -> default, digits -> number, anything else as typed (the server names the field). */
const num = (v: string): number | string | undefined => {
  const t = v.trim();
  if (t === '') return undefined;
  return /^\d+$/.test(t) ? Number(t) : t;
};

const ref = (r: SecretRefDraft): SecretRef | undefined => {
  const v = r.value.trim();
  if (v === '') return undefined;
  return r.kind === 'env' ? { env: v } : { file: v };
};

/** "a, b,,c " -> "a,b,c" as kc.sh expects. */
export function normaliseFeatures(list: string): string {
  return list
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .join(',');
}

/** Drops undefined members so the payload is exactly what the operator filled in. */
function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Builds the spec input from the draft (may still be invalid; the server says where). */
export function draftToSpec(d: ClusterDraft): ClusterSpecInput {
  const options: Record<string, string> = {};
  for (const row of d.keycloak.options) if (row.key.trim() !== '') options[row.key.trim()] = row.value;
  const features = normaliseFeatures(d.keycloak.features);
  if (features) options.features = features;

  const secretOptions: Record<string, SecretRef> = {};
  for (const row of d.keycloak.secretOptions) {
    const r = ref(row.ref);
    if (row.key.trim() !== '' && r) secretOptions[row.key.trim()] = r;
  }

  const t = d.traffic;
  const traffic: ClusterSpecInput['traffic'] =
    t.kind === 'dns'
      ? compact({ kind: 'dns' as const, name: t.name.trim(), server: t.server.trim(), port: num(t.port), zone: opt(t.zone), ttl: num(t.ttl), tsigKeyRef: ref(t.tsigKeyRef) })
      : compact({
          kind: 'haproxy' as const,
          name: t.name.trim(),
          runtimeApi: t.runtimeApi.trim(),
          backend: t.backend.trim(),
          map: opt(t.map),
          // both or neither: one alone reaches the schema, which names the missing one
          backends: t.backendBlue.trim() === '' && t.backendGreen.trim() === '' ? undefined : { blue: t.backendBlue.trim(), green: t.backendGreen.trim() },
          resolver: t.resolverServer.trim() === '' ? undefined : compact({ server: t.resolverServer.trim(), port: num(t.resolverPort) }),
        });

  const lb = d.loadBalancer;
  const adminRef = ref(d.admin.passwordRef);
  const spec = compact({
    name: d.name.trim(),
    environment: d.environment,
    description: d.description.trim() === '' ? undefined : d.description,
    keycloak: compact({
      version: d.keycloak.version.trim(),
      url: opt(d.keycloak.url),
      javaHome: opt(d.keycloak.javaHome),
      options,
      secretOptions,
    }),
    nodes: d.nodes.map((n) =>
      compact({
        name: n.name.trim(),
        host: n.host.trim(),
        port: num(n.port),
        user: n.user.trim(),
        keyPath: opt(n.keyPath),
        address: opt(n.address),
        httpPort: num(n.httpPort),
        managementPort: num(n.managementPort),
        keycloakHome: opt(n.keycloakHome),
      }),
    ),
    database: compact({
      host: d.database.host.trim(),
      port: num(d.database.port),
      name: d.database.name.trim(),
      user: d.database.user.trim(),
      passwordRef: ref(d.database.passwordRef),
    }),
    traffic,
    // Optional blocks are sent as soon as any of their fields is filled, so a half-filled block gets its "is required" beside the empty field.
    loadBalancer: opt(lb.runtimeApi) || opt(lb.backend) ? { kind: 'haproxy' as const, runtimeApi: lb.runtimeApi.trim(), backend: lb.backend.trim() } : undefined,
    terraform: opt(d.terraform.dir) || opt(d.terraform.varFile) ? compact({ dir: d.terraform.dir.trim(), varFile: opt(d.terraform.varFile), secretVars: d.terraform.secretVars ?? undefined }) : undefined,
    ansible:
      opt(d.ansible.inventory) || opt(d.ansible.playbook) || opt(d.ansible.stopPlaybook)
        ? compact({ inventory: d.ansible.inventory.trim(), playbook: d.ansible.playbook.trim(), stopPlaybook: opt(d.ansible.stopPlaybook), phased: d.ansible.phased || undefined })
        : undefined,
    probe: d.probe ?? undefined,
    smoke: d.smoke ?? undefined,
    blueGreen: d.blueGreen ?? undefined,
    admin: opt(d.admin.username) || adminRef ? compact({ username: d.admin.username.trim(), passwordRef: adminRef }) : undefined,
  });
  // `compact` keeps the shape; the cast only restores the optional members it may have dropped.
  return spec as ClusterSpecInput;
}
