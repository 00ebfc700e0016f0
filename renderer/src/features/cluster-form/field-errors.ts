/**
 * Where each validation issue is shown. Issues carry a path relative to the
 * call input (`['spec','nodes',0,'host']`); each maps to the field id whose
 * input is `field-<id>` and whose message is `error-<id>` (`node-0-host`).
 * Issues that match no visible field go to the banner so none is ever lost.
 */
import type { ClusterDraft } from './draft.ts';

/** One problem as the server (or the shared schema) reports it. */
export interface Issue {
  path: readonly (string | number)[];
  message: string;
}

/** Issues sorted into inline messages and the leftovers for the banner. */
export interface FieldErrors {
  byField: Record<string, string[]>;
  unplaced: Issue[];
}

const REQUIRED = 'is required';

/** The state before any submission. */
export const noErrors: FieldErrors = { byField: {}, unplaced: [] };

const nodeFields = ['name', 'host', 'port', 'user', 'keyPath', 'address', 'httpPort', 'managementPort'] as const;
const dbFields = ['host', 'port', 'name', 'user', 'passwordRef'] as const;
const dnsFields = ['kind', 'name', 'server', 'port', 'zone', 'ttl', 'tsigKeyRef'] as const;
const haproxyFields = ['kind', 'name', 'runtimeApi', 'backend', 'map', 'backends-blue', 'backends-green', 'resolver-server', 'resolver-port'] as const;

/** Every field id the form renders for this draft (an issue for anything else goes to the banner). */
export function renderedFieldIds(d: ClusterDraft): Set<string> {
  const ids = ['name', 'environment', 'description', 'keycloak-version', 'keycloak-url', 'keycloak-javaHome', 'keycloak-features'];
  ids.push('admin-username', 'admin-passwordRef', 'nodes', 'lb-runtimeApi', 'lb-backend');
  ids.push('terraform-dir', 'terraform-varFile', 'ansible-inventory', 'ansible-playbook', 'ansible-stopPlaybook');
  d.keycloak.options.forEach((_, i) => ids.push(`option-${i}`));
  d.keycloak.secretOptions.forEach((_, i) => ids.push(`secret-${i}`));
  d.nodes.forEach((_, i) => nodeFields.forEach((f) => ids.push(`node-${i}-${f}`)));
  dbFields.forEach((f) => ids.push(`db-${f}`));
  (d.traffic.kind === 'dns' ? dnsFields : haproxyFields).forEach((f) => ids.push(`traffic-${f}`));
  return new Set(ids);
}

/** Client-side issues about a row without a key address it as `#<index>`. */
function rowIndex(segment: unknown): number | null {
  return typeof segment === 'string' && /^#\d+$/.test(segment) ? Number(segment.slice(1)) : null;
}

/** The field id an issue path points at, or null. `spec` (the call's wrapper) is stripped first. */
export function fieldIdForPath(rawPath: readonly (string | number)[], d: ClusterDraft): string | null {
  const p = rawPath[0] === 'spec' ? rawPath.slice(1) : rawPath;
  const [head, a, b] = p;
  switch (head) {
    case 'name':
    case 'environment':
    case 'description':
      return head;
    case 'keycloak':
      if (a === 'options') {
        if (b === 'features') return 'keycloak-features';
        const i = rowIndex(b) ?? d.keycloak.options.findIndex((r) => r.key.trim() === b);
        return i >= 0 ? `option-${i}` : null;
      }
      if (a === 'secretOptions') {
        const i = rowIndex(b) ?? d.keycloak.secretOptions.findIndex((r) => r.key.trim() === b);
        return i >= 0 ? `secret-${i}` : null;
      }
      return typeof a === 'string' ? `keycloak-${a}` : null;
    case 'admin':
      return a === 'passwordRef' ? 'admin-passwordRef' : 'admin-username';
    case 'nodes':
      if (typeof a !== 'number') return 'nodes';
      return typeof b === 'string' ? `node-${a}-${b}` : `node-${a}-name`;
    case 'database':
      return typeof a === 'string' ? `db-${a}` : null;
    case 'traffic':
      // the refine that wants two different backends reports on the pair: shown at green's
      if (a === 'backends') return b === 'blue' ? 'traffic-backends-blue' : 'traffic-backends-green';
      if (a === 'resolver') return b === 'port' ? 'traffic-resolver-port' : 'traffic-resolver-server';
      return typeof a === 'string' ? `traffic-${a}` : 'traffic-kind';
    case 'loadBalancer':
      return a === 'backend' ? 'lb-backend' : 'lb-runtimeApi';
    case 'terraform':
    case 'ansible':
      return typeof a === 'string' ? `${head}-${a}` : null;
    default:
      return null;
  }
}

/**
 * Rewords generic schema messages (zod's defaults) into the operator's terms.
 * Messages written for people by the contract pass through unchanged.
 */
export function humaniseMessage(issue: Issue): string {
  const m = issue.message;
  const last = issue.path[issue.path.length - 1];
  if (/received NaN/.test(m)) return 'must be a number';
  if (/^Too small: expected string to have >=1 characters?$/.test(m) || /received undefined$/.test(m)) return 'is required';
  if (m === 'Invalid key in record') return `'${String(last)}' is not a kc.sh option name (lower-case letters, digits and dashes, e.g. cache-stack)`;
  if (m === 'Invalid input' && typeof last === 'string' && /Ref$/.test(last)) return 'give an environment variable name or a file path';
  return m;
}

/** Sorts issues into inline messages and banner leftovers. */
export function placeIssues(issues: readonly Issue[], d: ClusterDraft): FieldErrors {
  const rendered = renderedFieldIds(d);
  const byField: Record<string, string[]> = {};
  const unplaced: Issue[] = [];
  for (const issue of issues) {
    const id = fieldIdForPath(issue.path, d);
    const message = humaniseMessage(issue);
    if (!id || !rendered.has(id)) {
      unplaced.push({ path: issue.path, message });
      continue;
    }
    const list = (byField[id] ??= []);
    if (!list.includes(message)) list.push(message);
  }
  // An empty field fails its format check too; "is required" alone says what to do.
  for (const [id, list] of Object.entries(byField)) if (list.length > 1 && list.includes(REQUIRED)) byField[id] = [REQUIRED];
  return { byField, unplaced };
}

/** Reads `details.issues` from an `invalid-input` error, tolerating any shape. */
export function issuesFromDetails(details: unknown): Issue[] {
  if (typeof details !== 'object' || details === null) return [];
  const issues = (details as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((i): Issue[] => {
    if (typeof i !== 'object' || i === null) return [];
    const { path, message } = i as { path?: unknown; message?: unknown };
    if (typeof message !== 'string') return [];
    const cleanPath = Array.isArray(path) ? path.filter((s): s is string | number => typeof s === 'string' || typeof s === 'number') : [];
    return [{ path: cleanPath, message }];
  });
}

/** Field-id label for the banner's list of issues without a field ("keycloak › options"). */
export function describePath(path: readonly (string | number)[]): string {
  const p = path[0] === 'spec' ? path.slice(1) : path;
  return p.length === 0 ? 'cluster spec' : p.join(' › ');
}
