/** Name, environment and description of the cluster. */
import { environments, type Environment } from './draft.ts';
import { useDraft } from './draft-store.ts';
import { SelectField, TextField } from './Fields.tsx';
import { FormSection } from './FormSection.tsx';

/** General section. */
export function GeneralSection() {
  const { name, environment, description } = useDraft((s) => s.draft);
  const setTop = useDraft((s) => s.setTop);
  return (
    <FormSection title="General">
      <div className="form-grid form-grid-3">
        <TextField id="name" label="Name" value={name} onChange={(v) => setTop({ name: v })} placeholder="e.g. acme-prod" mono hint="Lower-case letters, digits, dashes." />
        <SelectField<Environment>
          id="environment"
          label="Environment"
          value={environment}
          options={environments.map((e) => ({ value: e, label: e }))}
          onChange={(v) => setTop({ environment: v })}
          hint="Production shows in amber everywhere, so it is never mistaken for a test cluster."
        />
      </div>
      <TextField id="description" label="Description" optional value={description} onChange={(v) => setTop({ description: v })} multiline placeholder="Who uses it, who owns it, anything on-call should know." />
    </FormSection>
  );
}
