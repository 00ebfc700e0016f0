/**
 * Keycloak's list of rolling-incompatible changes ("Checking if rolling
 * updates are possible", update-compatibility guide) and a pure diff that
 * names each one a change touches.
 *
 * kc.sh's exit code decides; kc.sh's message names only the first provider
 * that objected (for a persistent-user-sessions toggle it talks about cache
 * owners, not the feature). This diff lets the plan name the option or
 * feature the operator actually changed.
 */
import type { PlanReason } from '../contract/plan.ts';

/** Options whose change always needs a recreate, with Keycloak's rationale. */
export const recreateOptions: Readonly<Record<string, string>> = {
  cache: 'the ispn and local caches are mutually exclusive; switching loses cached data',
  'cache-config-file': 'a different cache file can make old and new nodes fail to form one cluster',
  'cache-stack': 'nodes on different stacks cannot form one cluster during the update, and cached data is lost',
  'cache-embedded-mtls-enabled': 'nodes with and without TLS between them cannot form one cluster, and cached data is lost',
  'cache-remote-host': 'a new remote cache loses what the old one held',
  'cache-remote-port': 'a new remote cache loses what the old one held',
  db: 'a new database vendor must be used by every node at once to keep data consistent',
  'db-schema': 'a new schema must be used by every node at once to keep data consistent',
  'db-url-database': 'every node must use the same database to keep data consistent',
  'db-url-host': 'every node must use the same database to keep data consistent',
  'db-url-port': 'every node must use the same database to keep data consistent',
};

/** Options Keycloak lets roll, but whose change deserves a warning. */
export const cautionOptions: Readonly<Record<string, string>> = {
  'db-url': 'Keycloak allows rolling a db-url change (for JDBC properties), but a different host, port or database name would point nodes at different databases',
};

/** Features whose enabling or disabling always needs a recreate (update policy SHUTDOWN). */
export const recreateOnToggleFeatures: Readonly<Record<string, string>> = {
  'multi-site': 'multi-site support changes how sessions are stored across sites',
  'persistent-user-sessions': 'online user sessions move between memory and the database',
  clusterless: 'nodes stop (or start) sharing state through the embedded cluster',
  stateless: 'nodes stop (or start) keeping state between requests',
};

/** Features whose *version* change needs a recreate (update policy ROLLING_NO_UPGRADE). */
export const recreateOnVersionFeatures: Readonly<Record<string, string>> = {
  login: 'old and new nodes would serve different login themes in one session',
  'passkeys-conditional-ui-authenticator': 'old and new nodes would run different passkey flows in one session',
};

/**
 * Defaults of the features above in Keycloak 26, so that removing an
 * explicit setting can be told apart from leaving it as it was.
 */
const featureDefaults: Readonly<Record<string, FeatureState>> = {
  'multi-site': { enabled: false, version: null },
  'persistent-user-sessions': { enabled: true, version: null },
  clusterless: { enabled: false, version: null },
  stateless: { enabled: false, version: null },
  login: { enabled: true, version: 2 },
  'passkeys-conditional-ui-authenticator': { enabled: false, version: null },
};

export interface FeatureState {
  enabled: boolean;
  /** Explicit version (`login:v1` -> 1); null = the default version. */
  version: number | null;
}

export interface OptionChange {
  key: string;
  from: string | null;
  to: string | null;
}

/** Every option whose value differs (added, removed or changed), sorted by name. */
export function diffOptions(from: Readonly<Record<string, string>>, to: Readonly<Record<string, string>>): OptionChange[] {
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  return keys.filter((k) => from[k] !== to[k]).map((k) => ({ key: k, from: from[k] ?? null, to: to[k] ?? null }));
}

/** Splits a kc.sh list option (`a, b:v2`) into its items. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * The explicit state of each feature named in `features` / `features-disabled`;
 * features not named keep Keycloak's default and are absent here.
 */
export function explicitFeatures(options: Readonly<Record<string, string>>): Map<string, FeatureState> {
  const out = new Map<string, FeatureState>();
  for (const item of splitList(options['features'])) {
    const [name = '', v] = item.split(':');
    const version = v && /^v\d+$/.test(v) ? Number(v.slice(1)) : null;
    out.set(name, { enabled: true, version });
  }
  for (const name of splitList(options['features-disabled'])) out.set(name, { enabled: false, version: null });
  return out;
}

function effective(name: string, explicit: Map<string, FeatureState>): FeatureState | null {
  return explicit.get(name) ?? featureDefaults[name] ?? null;
}

const show = (s: FeatureState | null): string => (s === null ? 'default' : s.enabled ? `enabled${s.version !== null ? ` (v${s.version})` : ''}` : 'disabled');

/** Reasons for every feature change that Keycloak lists as rolling-incompatible. */
function featureReasons(from: Readonly<Record<string, string>>, to: Readonly<Record<string, string>>): PlanReason[] {
  const a = explicitFeatures(from);
  const b = explicitFeatures(to);
  const names = [...new Set([...a.keys(), ...b.keys(), ...Object.keys(recreateOnToggleFeatures), ...Object.keys(recreateOnVersionFeatures)])].sort();
  const reasons: PlanReason[] = [];
  for (const name of names) {
    const x = effective(name, a);
    const y = effective(name, b);
    if (!x || !y) continue;
    const toggled = x.enabled !== y.enabled;
    const versionMoved = x.enabled && y.enabled && (x.version ?? featureDefaults[name]?.version ?? null) !== (y.version ?? featureDefaults[name]?.version ?? null);
    const toggleRule = recreateOnToggleFeatures[name];
    const versionRule = recreateOnVersionFeatures[name];
    if (toggled && (toggleRule || versionRule)) {
      reasons.push({ kind: 'feature', subject: name, from: show(x), to: show(y), forcesRecreate: true, message: `${y.enabled ? 'Enabling' : 'Disabling'} feature '${name}' needs a recreate: ${toggleRule ?? versionRule}.` });
    } else if (versionMoved && (versionRule || toggleRule)) {
      reasons.push({ kind: 'feature', subject: name, from: show(x), to: show(y), forcesRecreate: true, message: `Changing the version of feature '${name}' needs a recreate: ${versionRule ?? toggleRule}.` });
    }
  }
  return reasons;
}

/**
 * Names every option and feature change that Keycloak lists as forcing a
 * recreate (and those it lets roll but that deserve care). Pure; the options
 * are cluster-wide ones as `kc.sh start` takes them, without dashes.
 */
export function incompatibleChanges(from: Readonly<Record<string, string>>, to: Readonly<Record<string, string>>): PlanReason[] {
  const reasons: PlanReason[] = [];
  for (const c of diffOptions(from, to)) {
    const rule = recreateOptions[c.key];
    const caution = cautionOptions[c.key];
    if (rule) {
      reasons.push({ kind: 'option', subject: c.key, from: c.from, to: c.to, forcesRecreate: true, message: `Changing '${c.key}' (${c.from ?? 'unset'} -> ${c.to ?? 'unset'}) needs a recreate: ${rule}.` });
    } else if (caution) {
      reasons.push({ kind: 'option', subject: c.key, from: c.from, to: c.to, forcesRecreate: false, message: `'${c.key}' changes: ${caution}.` });
    }
  }
  return [...reasons, ...featureReasons(from, to)];
}
