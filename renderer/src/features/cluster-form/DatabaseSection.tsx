/** The PostgreSQL database Keycloak uses; Keyturn backs it up before every change. */
import { useDraft } from './draft-store.ts';
import { SecretRefField, TextField } from './Fields.tsx';
import { FormSection } from './FormSection.tsx';

/** Database section. */
export function DatabaseSection() {
  const db = useDraft((s) => s.draft.database);
  const setDatabase = useDraft((s) => s.setDatabase);
  return (
    <FormSection title="Database" description="Backed up before every change; restored if a rollback needs the old schema.">
      <div className="form-grid form-grid-5">
        <TextField id="db-host" label="Host" value={db.host} onChange={(v) => setDatabase({ host: v })} placeholder="e.g. db.acme.internal" mono />
        <TextField id="db-port" label="Port" value={db.port} onChange={(v) => setDatabase({ port: v })} placeholder="5432" inputMode="numeric" mono />
        <TextField id="db-name" label="Database" value={db.name} onChange={(v) => setDatabase({ name: v })} placeholder="e.g. keycloak" mono />
        <TextField id="db-user" label="User" value={db.user} onChange={(v) => setDatabase({ user: v })} placeholder="e.g. keycloak" mono />
        <SecretRefField id="db-passwordRef" label="Password from" optional value={db.passwordRef} onChange={(passwordRef) => setDatabase({ passwordRef })} />
      </div>
    </FormSection>
  );
}
