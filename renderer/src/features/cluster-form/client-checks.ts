/**
 * Instant feedback while typing: the same schema main uses, plus the few
 * mistakes only the form can make (an option row without a key, the same key
 * twice, `features` typed as a plain option). Advisory only: the form is
 * always submitted and the server's answer replaces these messages.
 */
import { clusterSpecSchema } from '../../../../shared/contract/index.ts';
import type { ClusterDraft } from './draft.ts';
import { draftToSpec } from './draft-to-spec.ts';
import type { Issue } from './field-errors.ts';

function rowIssues(d: ClusterDraft): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  d.keycloak.options.forEach((row, i) => {
    const key = row.key.trim();
    const path = ['keycloak', 'options', key];
    if (key === '' && row.value.trim() !== '') issues.push({ path: ['keycloak', 'options', `#${i}`], message: 'give the option a name (or remove the row)' });
    else if (key === 'features') issues.push({ path, message: 'use the Features field above for features' });
    else if (key !== '' && seen.has(key)) issues.push({ path, message: `'${key}' is set twice` });
    seen.add(key);
  });
  const seenSecret = new Set<string>();
  d.keycloak.secretOptions.forEach((row, i) => {
    const key = row.key.trim();
    const path = ['keycloak', 'secretOptions', key];
    if (key === '' && row.ref.value.trim() !== '') issues.push({ path: ['keycloak', 'secretOptions', `#${i}`], message: 'give the option a name (or remove the row)' });
    else if (key !== '' && row.ref.value.trim() === '') issues.push({ path, message: `say where '${key}' comes from: an environment variable or a file` });
    else if (key !== '' && (seenSecret.has(key) || seen.has(key))) issues.push({ path, message: `'${key}' is set twice` });
    seenSecret.add(key);
  });
  return issues;
}

/** Problems the form can already see, with paths like the server's. */
export function clientIssues(d: ClusterDraft): Issue[] {
  const result = clusterSpecSchema.safeParse(draftToSpec(d));
  const schemaIssues = result.success ? [] : result.error.issues.map((i) => ({ path: i.path.filter((s): s is string | number => typeof s !== 'symbol'), message: i.message }));
  return [...schemaIssues, ...rowIssues(d)];
}
