/**
 * The register/edit form's working copy. Every input is a string (what the
 * operator typed, even if not yet valid) so nothing they type is lost or
 * coerced behind their back; `draft-to-spec.ts` turns it into a spec.
 * Rows carry a client-only `uid` so React keeps focus right when a middle row
 * is removed; it never leaves the renderer.
 */
import type { ClusterSpec, SecretRef } from '../../../../shared/contract/index.ts';

/** A secret reference as edited: where it lives, and the variable name or path. */
export interface SecretRefDraft {
  kind: 'env' | 'file';
  value: string;
}

/** One node row as typed (ports as text so a half-typed value is kept). */
export interface NodeDraft {
  uid: string;
  name: string;
  host: string;
  port: string;
  user: string;
  keyPath: string;
  address: string;
  httpPort: string;
  managementPort: string;
  /** Not a column of the row; kept so an edit never resets it to the default. */
  keycloakHome: string;
}

/** One `kc.sh` option row. */
export interface OptionRowDraft {
  uid: string;
  key: string;
  value: string;
}

/** One secret option row: the option name and where its value lives. */
export interface SecretOptionRowDraft {
  uid: string;
  key: string;
  ref: SecretRefDraft;
}

/** Environments the schema accepts; the select offers exactly these. */
export type Environment = ClusterSpec['environment'];
/** In the order the select lists them (production first: it is the default). */
export const environments: readonly Environment[] = ['production', 'staging', 'test', 'development', 'lab'];

/** The whole form; mirrors `clusterSpecSchema` section by section. */
export interface ClusterDraft {
  name: string;
  environment: Environment;
  description: string;
  keycloak: {
    version: string;
    url: string;
    javaHome: string;
    /** Comma list, stored in option `features` (how kc.sh takes it). */
    features: string;
    options: OptionRowDraft[];
    secretOptions: SecretOptionRowDraft[];
  };
  admin: { username: string; passwordRef: SecretRefDraft };
  nodes: NodeDraft[];
  database: { host: string; port: string; name: string; user: string; passwordRef: SecretRefDraft };
  traffic: {
    kind: 'dns' | 'haproxy';
    name: string;
    server: string;
    port: string;
    zone: string;
    ttl: string;
    tsigKeyRef: SecretRefDraft;
    runtimeApi: string;
    backend: string;
    /** The map the front HAProxy routes the host name with (the blue/green switch changes its entry). */
    map: string;
    /** The front's backend of each colour (blue/green). */
    backendBlue: string;
    backendGreen: string;
    /** The DNS server answering for the public name (the prober resolves through it). */
    resolverServer: string;
    resolverPort: string;
  };
  loadBalancer: { runtimeApi: string; backend: string };
  /** `secretVars` are not edited in this form (cluster file), carried through unchanged. */
  terraform: { dir: string; varFile: string; secretVars: NonNullable<ClusterSpec['terraform']>['secretVars'] | null };
  ansible: { inventory: string; playbook: string; stopPlaybook: string; phased: boolean };
  /** The availability probe: not edited in this form (cluster file), carried through unchanged. */
  probe: ClusterSpec['probe'] | null;
  /** Blue/green's smoke checks and test user: not edited in this form (cluster file), carried through unchanged. */
  smoke: ClusterSpec['smoke'] | null;
  /** Blue/green's watch and grace: not edited in this form (cluster file), carried through unchanged. */
  blueGreen: ClusterSpec['blueGreen'] | null;
}

let counter = 0;
/** A row identity unique within this window. */
export function newUid(): string {
  counter += 1;
  return `row-${counter}`;
}

/** An empty secret reference; env is the default because it never touches disk. */
export function emptyRef(): SecretRefDraft {
  return { kind: 'env', value: '' };
}

/** A blank node row; defaulted fields stay empty and show their default as placeholder. */
export function newNode(): NodeDraft {
  return { uid: newUid(), name: '', host: '', port: '', user: '', keyPath: '', address: '', httpPort: '', managementPort: '', keycloakHome: '' };
}

/** A blank option row. */
export function newOption(): OptionRowDraft {
  return { uid: newUid(), key: '', value: '' };
}

/** A blank secret option row. */
export function newSecretOption(): SecretOptionRowDraft {
  return { uid: newUid(), key: '', ref: emptyRef() };
}

/** The form of a new cluster: one node row, DNS traffic (the schema's defaults). */
export function emptyDraft(): ClusterDraft {
  return {
    name: '',
    environment: 'production',
    description: '',
    keycloak: { version: '', url: '', javaHome: '', features: '', options: [], secretOptions: [] },
    admin: { username: '', passwordRef: emptyRef() },
    nodes: [newNode()],
    database: { host: '', port: '', name: '', user: '', passwordRef: emptyRef() },
    traffic: { kind: 'dns', name: '', server: '', port: '', zone: '', ttl: '', tsigKeyRef: emptyRef(), runtimeApi: '', backend: '', map: '', backendBlue: '', backendGreen: '', resolverServer: '', resolverPort: '' },
    loadBalancer: { runtimeApi: '', backend: '' },
    terraform: { dir: '', varFile: '', secretVars: null },
    ansible: { inventory: '', playbook: '', stopPlaybook: '', phased: false },
    probe: null,
    smoke: null,
    blueGreen: null,
  };
}

function refDraft(ref: SecretRef | undefined): SecretRefDraft {
  if (!ref) return emptyRef();
  return 'env' in ref ? { kind: 'env', value: ref.env } : { kind: 'file', value: ref.file };
}

const str = (v: string | number | undefined | null): string => (v === undefined || v === null ? '' : String(v));

/** The draft that edits an existing spec; every field of the spec round-trips. */
export function draftFromSpec(spec: ClusterSpec): ClusterDraft {
  const { features, ...options } = spec.keycloak.options;
  const t = spec.traffic;
  return {
    name: spec.name,
    environment: spec.environment,
    description: str(spec.description),
    keycloak: {
      version: spec.keycloak.version,
      url: str(spec.keycloak.url),
      javaHome: str(spec.keycloak.javaHome),
      features: str(features),
      options: Object.entries(options).map(([key, value]) => ({ uid: newUid(), key, value })),
      secretOptions: Object.entries(spec.keycloak.secretOptions).map(([key, ref]) => ({ uid: newUid(), key, ref: refDraft(ref) })),
    },
    admin: { username: str(spec.admin?.username), passwordRef: refDraft(spec.admin?.passwordRef) },
    nodes: spec.nodes.map((n) => ({
      uid: newUid(),
      name: n.name,
      host: n.host,
      port: str(n.port),
      user: n.user,
      keyPath: str(n.keyPath),
      address: str(n.address),
      httpPort: str(n.httpPort),
      managementPort: str(n.managementPort),
      keycloakHome: str(n.keycloakHome),
    })),
    database: {
      host: spec.database.host,
      port: str(spec.database.port),
      name: spec.database.name,
      user: spec.database.user,
      passwordRef: refDraft(spec.database.passwordRef),
    },
    traffic:
      t.kind === 'dns'
        ? { kind: 'dns', name: t.name, server: t.server, port: str(t.port), zone: str(t.zone), ttl: str(t.ttl), tsigKeyRef: refDraft(t.tsigKeyRef), runtimeApi: '', backend: '', map: '', backendBlue: '', backendGreen: '', resolverServer: '', resolverPort: '' }
        : { kind: 'haproxy', name: t.name, server: '', port: '', zone: '', ttl: '', tsigKeyRef: emptyRef(), runtimeApi: t.runtimeApi, backend: t.backend, map: str(t.map), backendBlue: str(t.backends?.blue), backendGreen: str(t.backends?.green), resolverServer: str(t.resolver?.server), resolverPort: str(t.resolver?.port) },
    loadBalancer: { runtimeApi: str(spec.loadBalancer?.runtimeApi), backend: str(spec.loadBalancer?.backend) },
    terraform: { dir: str(spec.terraform?.dir), varFile: str(spec.terraform?.varFile), secretVars: spec.terraform?.secretVars ?? null },
    ansible: { inventory: str(spec.ansible?.inventory), playbook: str(spec.ansible?.playbook), stopPlaybook: str(spec.ansible?.stopPlaybook), phased: spec.ansible?.phased ?? false },
    probe: spec.probe ?? null,
    smoke: spec.smoke ?? null,
    blueGreen: spec.blueGreen ?? null,
  };
}
