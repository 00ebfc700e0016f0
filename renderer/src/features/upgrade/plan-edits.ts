/**
 * Option and feature edits as the wizard takes them (key = value rows) and
 * as `plan:start` takes them (`set`, `unset`, `features`,
 * `featuresDisabled`). An empty value removes the option; the keys
 * `features` and `features-disabled` replace those lists (comma-separated).
 * Checked here with the contract's own patterns so a typo shows beside its
 * row instead of coming back from main as one error for the whole form.
 */
import { featureNameSchema, featureSchema, optionKeySchema, secretOptionPattern, type PlanInput } from '../../../../shared/contract/index.ts';

/** One row of the edits table. */
export interface EditRow {
  key: string;
  value: string;
}

/** The plan input and the problems per row index (empty when it can be sent). */
export interface EditsResult {
  input: PlanInput;
  errors: Record<number, string>;
}

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');

/** Accepts `key=value` pasted into the key field, as an operator copies it from a config file. */
export function splitPasted(row: EditRow): EditRow {
  const i = row.key.indexOf('=');
  if (i < 0 || row.value !== '') return row;
  return { key: row.key.slice(0, i), value: row.key.slice(i + 1) };
}

/**
 * Builds the `plan:start` input for `cluster` → `to` from the rows, with
 * blue/green's promotion when the operator chose one (the plan writes it into
 * the promotion gate, and the run does what the plan says).
 */
export function editsToPlanInput(cluster: string, to: string, rows: readonly EditRow[], choices: Pick<PlanInput, 'promote' | 'freeze' | 'sessions'> = {}): EditsResult {
  const input: PlanInput = { cluster, to, ...(choices.promote ? { promote: choices.promote } : {}), ...(choices.freeze ? { freeze: choices.freeze } : {}), ...(choices.sessions ? { sessions: choices.sessions } : {}) };
  const errors: Record<number, string> = {};
  const seen = new Set<string>();
  rows.forEach((raw, i) => {
    const key = raw.key.trim().replace(/^--/, '');
    const value = raw.value.trim();
    if (key === '' && value === '') return;
    if (key === '') return void (errors[i] = 'name the option, e.g. cache-stack');
    if (seen.has(key)) return void (errors[i] = `'${key}' is edited twice`);
    seen.add(key);
    if (key === 'features' || key === 'features-disabled') {
      const schema = key === 'features' ? featureSchema : featureNameSchema;
      const items = list(value);
      const bad = items.find((f) => !schema.safeParse(f).success);
      if (bad) return void (errors[i] = `'${bad}' is not a feature${key === 'features' ? ' (e.g. persistent-user-sessions or login:v1)' : ' name'}`);
      if (key === 'features') input.features = items;
      else input.featuresDisabled = items;
      return;
    }
    if (!optionKeySchema.safeParse(key).success) return void (errors[i] = 'must be a kc.sh option name such as cache-stack');
    if (secretOptionPattern.test(key)) return void (errors[i] = `'${key}' is a secret: change it in the cluster's secret options, not in a plan`);
    if (value === '') (input.unset ??= []).push(key);
    else (input.set ??= {})[key] = value;
  });
  return { input, errors };
}

/** A stable identity of a plan input: the same target and edits reuse the plan already computed. */
export function planKey(input: PlanInput): string {
  const sorted = (o: Record<string, string> | undefined) => (o ? Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b))) : null);
  return JSON.stringify([input.cluster, input.to, sorted(input.set), [...(input.unset ?? [])].sort(), input.features ?? null, input.featuresDisabled ?? null, input.promote ?? null]);
}
