/**
 * "Type the cluster's name to confirm": the one guard in front of every
 * irreversible or production-affecting action (remove a cluster, restore a
 * backup, upgrade production), so all three behave and read the same.
 */
import type { ReactNode } from 'react';

export function TypedConfirmation({ name, value, onChange, testId, lead, autoFocus = false }: {
  name: string;
  value: string;
  onChange: (v: string) => void;
  testId: string;
  /** What comes before "Type <name> to confirm" (a badge, a sentence). */
  lead?: ReactNode;
  autoFocus?: boolean;
}) {
  return (
    <label className="field">
      <span className="field-label">
        <span className="inline-gap">
          {lead}
          Type <strong className="mono">{name}</strong> to confirm
        </span>
      </span>
      <input className="input mono" data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)} autoComplete="off" spellCheck={false} autoFocus={autoFocus} />
    </label>
  );
}
