/**
 * Which messages the form shows, and when.
 *
 * - The server's verdict (after Submit) is the truth and always shows, until
 *   the operator edits that field.
 * - Instant checks (same schema, run locally) show for fields the operator
 *   has left, and for every field once they have tried to submit, so a
 *   half-typed field isn't shouted at mid-keystroke.
 */
import { useCallback, useMemo, useState } from 'react';
import { clientIssues } from './client-checks.ts';
import type { ClusterDraft } from './draft.ts';
import { noErrors, placeIssues, type FieldErrors, type Issue } from './field-errors.ts';
import type { FormErrorsApi } from './form-errors-context.ts';

/** Form-level error state plus the API fields read through context. */
export function useFormErrorsState(draft: ClusterDraft) {
  const [server, setServer] = useState<FieldErrors>(noErrors);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [attempted, setAttempted] = useState(false);

  const client = useMemo(() => placeIssues(clientIssues(draft), draft), [draft]);

  const touch = useCallback((id: string) => setTouched((t) => (t.has(id) ? t : new Set(t).add(id))), []);
  const dropServer = useCallback((match: (id: string) => boolean) => {
    setServer((s) => {
      const keys = Object.keys(s.byField).filter(match);
      if (keys.length === 0) return s;
      const byField = { ...s.byField };
      for (const k of keys) delete byField[k];
      return { ...s, byField };
    });
  }, []);

  const api: FormErrorsApi = useMemo(
    () => ({
      errorsFor: (id) => server.byField[id] ?? (attempted || touched.has(id) ? client.byField[id] : undefined),
      touch,
      edited: (id) => dropServer((k) => k === id),
      rowsChanged: (prefix) => dropServer((k) => k.startsWith(prefix)),
    }),
    [server, client, attempted, touched, touch, dropServer],
  );

  return {
    api,
    /** Call when Submit is pressed: from now on every instant check shows. */
    markAttempted: () => setAttempted(true),
    /** Replace the server's verdict with a new answer (empty list clears it). */
    setServerIssues: (issues: readonly Issue[]) => setServer(issues.length ? placeIssues(issues, draft) : noErrors),
    serverUnplaced: server.unplaced,
    /** How many fields currently show a message (for the banner and the action bar). */
    visibleCount: Object.keys({ ...client.byField, ...server.byField }).filter((id) => api.errorsFor(id)?.length).length,
  };
}
