/**
 * Keycloak version, URL, start options and secret options. Options are typed
 * exactly as `kc.sh start` takes them (without dashes); anything that looks
 * like a secret must go to secret options as a reference.
 */
import { useDraft } from './draft-store.ts';
import { FieldError, SecretRefField, TextField } from './Fields.tsx';
import { useFormErrors } from './form-errors-context.ts';
import { FormSection } from './FormSection.tsx';

/** Keycloak section. */
export function KeycloakSection() {
  const kc = useDraft((s) => s.draft.keycloak);
  const admin = useDraft((s) => s.draft.admin);
  const { setKeycloak, setAdmin, setOption, addOption, removeOption, setSecretOption, addSecretOption, removeSecretOption } = useDraft.getState();
  const { edited, rowsChanged, errorsFor } = useFormErrors();

  return (
    <FormSection title="Keycloak" description="The version running now and the options it starts with, as kc.sh takes them.">
      <div className="form-grid form-grid-3">
        <TextField id="keycloak-version" label="Version" value={kc.version} onChange={(v) => setKeycloak({ version: v })} placeholder="e.g. 26.4.2" mono />
        <TextField id="keycloak-url" label="Public URL" optional value={kc.url} onChange={(v) => setKeycloak({ url: v })} placeholder="e.g. https://sso.acme.example" mono />
        <TextField id="keycloak-javaHome" label="JAVA_HOME" optional value={kc.javaHome} onChange={(v) => setKeycloak({ javaHome: v })} placeholder="e.g. /usr/lib/jvm/java-21" mono />
      </div>
      <TextField
        id="keycloak-features"
        label="Features"
        optional
        value={kc.features}
        onChange={(v) => setKeycloak({ features: v })}
        placeholder="e.g. token-exchange, admin-fine-grained-authz"
        mono
        hint="Comma-separated; stored as the features option."
      />

      <div className="subsection">
        <div className="subsection-head">
          <h3>Options</h3>
          <button type="button" className="btn btn-small" data-testid="add-option" onClick={addOption}>
            Add option
          </button>
        </div>
        {kc.options.length === 0 && <p className="muted small">No options: Keycloak's defaults apply.</p>}
        {kc.options.map((row, i) => (
          <div className="kv-row" key={row.uid} data-testid={`option-row-${i}`}>
            <input
              className="input mono"
              aria-label={`Option ${i + 1} name`}
              data-testid={`field-option-${i}-key`}
              aria-invalid={errorsFor(`option-${i}`) ? true : undefined}
              value={row.key}
              placeholder="e.g. cache-stack"
              spellCheck={false}
              onChange={(e) => {
                edited(`option-${i}`);
                setOption(i, { key: e.target.value });
              }}
            />
            <span className="kv-eq" aria-hidden="true">
              =
            </span>
            <input
              className="input mono"
              aria-label={`Option ${i + 1} value`}
              data-testid={`field-option-${i}-value`}
              value={row.value}
              placeholder="e.g. jdbc-ping"
              spellCheck={false}
              onChange={(e) => {
                edited(`option-${i}`);
                setOption(i, { value: e.target.value });
              }}
            />
            <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove option ${i + 1}`} onClick={() => {
                rowsChanged('option-');
                removeOption(i);
              }}>
              Remove
            </button>
            <div className="kv-error">
              <FieldError id={`option-${i}`} />
            </div>
          </div>
        ))}
      </div>

      <div className="subsection">
        <div className="subsection-head">
          <h3>Secret options</h3>
          <button type="button" className="btn btn-small" data-testid="add-secret-option" onClick={addSecretOption}>
            Add secret option
          </button>
        </div>
        <p className="muted small">Passwords and keys are given by reference only — an environment variable or a file — and are read when needed, never stored.</p>
        {kc.secretOptions.map((row, i) => (
          <div className="kv-row" key={row.uid} data-testid={`secret-row-${i}`}>
            <input
              className="input mono"
              aria-label={`Secret option ${i + 1} name`}
              data-testid={`field-secret-${i}-key`}
              aria-invalid={errorsFor(`secret-${i}`) ? true : undefined}
              value={row.key}
              placeholder="e.g. db-password"
              spellCheck={false}
              onChange={(e) => {
                edited(`secret-${i}`);
                setSecretOption(i, { key: e.target.value });
              }}
            />
            <span className="kv-eq" aria-hidden="true">
              ←
            </span>
            <SecretRefField id={`secret-${i}-ref`} label={`Secret option ${i + 1} source`} hideLabel value={row.ref} onChange={(ref) => {
                edited(`secret-${i}`);
                setSecretOption(i, { ref });
              }} />
            <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove secret option ${i + 1}`} onClick={() => {
                rowsChanged('secret-');
                removeSecretOption(i);
              }}>
              Remove
            </button>
            <div className="kv-error">
              <FieldError id={`secret-${i}`} />
            </div>
          </div>
        ))}
      </div>

      <div className="subsection">
        <h3>Admin user</h3>
        <p className="muted small">Optional. Used to check realms after an upgrade.</p>
        <div className="form-grid form-grid-3">
          <TextField id="admin-username" label="Username" optional value={admin.username} onChange={(v) => setAdmin({ username: v })} placeholder="e.g. admin" mono />
          <SecretRefField id="admin-passwordRef" label="Password from" optional value={admin.passwordRef} onChange={(passwordRef) => setAdmin({ passwordRef })} />
        </div>
      </div>
    </FormSection>
  );
}
