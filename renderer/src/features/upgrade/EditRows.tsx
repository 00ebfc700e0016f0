/**
 * Option and feature edits as `key = value` rows. Pasting `key=value` into the
 * key field splits it; an empty value removes the option. The cluster's
 * recorded options are listed underneath so the operator edits knowingly.
 */
import type { EditRow } from './plan-edits.ts';
import { splitPasted } from './plan-edits.ts';

interface EditRowsProps {
  rows: EditRow[];
  errors: Record<number, string>;
  recorded: Record<string, string>;
  onChange: (rows: EditRow[]) => void;
}

/** The edits table. */
export function EditRows({ rows, errors, recorded, onChange }: EditRowsProps) {
  const set = (i: number, patch: Partial<EditRow>) => onChange(rows.map((r, j) => (j === i ? splitPasted({ ...r, ...patch }) : r)));
  const recordedEntries = Object.entries(recorded).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="edit-rows" data-testid="wizard-edits">
      {rows.length === 0 && <p className="muted small">No option changes: the target keeps the cluster&apos;s recorded options.</p>}
      {rows.map((r, i) => (
        <div key={i} className="edit-row" data-testid={`edit-row-${i}`}>
          <input
            className="input mono"
            aria-label={`Option ${i + 1} name`}
            placeholder="option, features or features-disabled"
            data-testid={`edit-key-${i}`}
            value={r.key}
            onChange={(e) => set(i, { key: e.target.value })}
            aria-invalid={errors[i] ? true : undefined}
            spellCheck={false}
          />
          <span className="edit-eq mono" aria-hidden="true">
            =
          </span>
          <input
            className="input mono"
            aria-label={`Option ${i + 1} value`}
            placeholder={recorded[r.key.trim()] !== undefined ? `now ${recorded[r.key.trim()]}; empty removes it` : 'value (empty removes the option)'}
            data-testid={`edit-value-${i}`}
            value={r.value}
            onChange={(e) => set(i, { value: e.target.value })}
            spellCheck={false}
          />
          <button type="button" className="btn btn-ghost btn-small" aria-label={`Remove option ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            ✕
          </button>
          {errors[i] && <div className="field-error edit-error">{errors[i]}</div>}
        </div>
      ))}
      <button type="button" className="btn btn-small" data-testid="edit-add" onClick={() => onChange([...rows, { key: '', value: '' }])}>
        + Option or feature change
      </button>
      {recordedEntries.length > 0 && (
        <details className="recorded-options">
          <summary className="small muted">Recorded options ({recordedEntries.length})</summary>
          <dl className="kv small mono">
            {recordedEntries.map(([k, v]) => (
              <div key={k} className="kv-row">
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </div>
  );
}
