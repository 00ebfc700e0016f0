/**
 * Form controls with their message beside them. Each control is
 * `data-testid="field-<id>"` and its message `data-testid="error-<id>"`, the
 * ids the e2e tests and the issue mapper (`field-errors.ts`) share.
 */
import type { ReactNode } from 'react';
import type { SecretRefDraft } from './draft.ts';
import { useFormErrors } from './form-errors-context.ts';

/** The message(s) for one field; renders nothing when the field is fine. */
export function FieldError({ id }: { id: string }) {
  const messages = useFormErrors().errorsFor(id);
  if (!messages?.length) return null;
  return (
    <div className="field-error" id={`error-${id}`} data-testid={`error-${id}`}>
      {messages.join('; ')}
    </div>
  );
}

interface FieldShellProps {
  id: string;
  label: string;
  /** Screen-reader-only label, for dense grids whose column header already says it. */
  hideLabel?: boolean;
  hint?: ReactNode;
  optional?: boolean;
  className?: string;
  children: ReactNode;
}

function FieldShell({ id, label, hideLabel, hint, optional, className, children }: FieldShellProps) {
  return (
    <div className={`field${className ? ` ${className}` : ''}`}>
      <label htmlFor={`f-${id}`} className={hideLabel ? 'sr-only' : 'field-label'}>
        {label}
        {optional && !hideLabel && <span className="field-optional"> optional</span>}
      </label>
      {children}
      {hint && <div className="field-hint">{hint}</div>}
      <FieldError id={id} />
    </div>
  );
}

function useFieldProps(id: string, onChange: (v: string) => void) {
  const errors = useFormErrors();
  const invalid = !!errors.errorsFor(id)?.length;
  return {
    id: `f-${id}`,
    'data-testid': `field-${id}`,
    'aria-invalid': invalid || undefined,
    'aria-describedby': invalid ? `error-${id}` : undefined,
    onBlur: () => errors.touch(id),
    onChange: (e: { target: { value: string } }) => {
      errors.edited(id);
      onChange(e.target.value);
    },
  };
}

interface TextFieldProps extends Omit<FieldShellProps, 'children'> {
  value: string;
  onChange: (v: string) => void;
  placeholder?: string;
  /** Versions, hosts, paths: monospace so 0/O and 1/l never get confused. */
  mono?: boolean;
  multiline?: boolean;
  inputMode?: 'numeric' | 'text';
}

/** A labelled text input (or textarea) with its inline error. */
export function TextField({ value, onChange, placeholder, mono, multiline, inputMode, ...shell }: TextFieldProps) {
  const props = useFieldProps(shell.id, onChange);
  const className = `input${mono ? ' mono' : ''}`;
  return (
    <FieldShell {...shell}>
      {multiline ? (
        <textarea {...props} className={className} value={value} placeholder={placeholder} rows={2} />
      ) : (
        <input
          {...props}
          className={className}
          value={value}
          placeholder={placeholder}
          inputMode={inputMode}
          spellCheck={false}
          autoComplete="off"
        />
      )}
    </FieldShell>
  );
}

interface SelectFieldProps<T extends string> extends Omit<FieldShellProps, 'children'> {
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (v: T) => void;
}

/** A labelled select with its inline error. */
export function SelectField<T extends string>({ value, options, onChange, ...shell }: SelectFieldProps<T>) {
  const props = useFieldProps(shell.id, (v) => onChange(v as T));
  return (
    <FieldShell {...shell}>
      <select {...props} className="input" value={value}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

interface SecretRefFieldProps extends Omit<FieldShellProps, 'children'> {
  value: SecretRefDraft;
  onChange: (v: SecretRefDraft) => void;
}

/**
 * Where a secret lives — never the secret itself. Keyturn resolves the
 * reference at the moment it needs the value and never stores it.
 */
export function SecretRefField({ value, onChange, ...shell }: SecretRefFieldProps) {
  const errors = useFormErrors();
  const props = useFieldProps(shell.id, (v) => onChange({ ...value, value: v }));
  return (
    <FieldShell {...shell}>
      <div className="input-group">
        <select
          className="input input-addon"
          aria-label={`${shell.label}: source`}
          data-testid={`field-${shell.id}-kind`}
          value={value.kind}
          onChange={(e) => {
            errors.edited(shell.id);
            onChange({ ...value, kind: e.target.value === 'file' ? 'file' : 'env' });
          }}
        >
          <option value="env">env</option>
          <option value="file">file</option>
        </select>
        <input
          {...props}
          className="input mono"
          value={value.value}
          placeholder={value.kind === 'env' ? 'VARIABLE_NAME' : '/path/to/secret'}
          spellCheck={false}
          autoComplete="off"
        />
      </div>
    </FieldShell>
  );
}
