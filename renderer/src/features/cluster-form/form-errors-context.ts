/**
 * Lets every field find its own messages without threading error maps
 * through each section. The form decides which messages are visible (server
 * answers always; instant checks only for fields the operator has left).
 */
import { createContext, useContext } from 'react';

/** What a field may ask of its form. */
export interface FormErrorsApi {
  /** Messages to show beside field `id`, if any. */
  errorsFor: (id: string) => string[] | undefined;
  /** The operator left the field: its instant checks may show now. */
  touch: (id: string) => void;
  /** The operator changed the field: the server's old verdict on it no longer applies. */
  edited: (id: string) => void;
  /** Rows were added or removed: server messages addressed by row index (`node-2-…`) no longer point at the right row. */
  rowsChanged: (idPrefix: string) => void;
}

const noop: FormErrorsApi = { errorsFor: () => undefined, touch: () => undefined, edited: () => undefined, rowsChanged: () => undefined };

/** Provided by `ClusterForm`; the default does nothing so fields also render outside a form. */
export const FormErrorsContext = createContext<FormErrorsApi>(noop);

/** The errors API of the enclosing form. */
export function useFormErrors(): FormErrorsApi {
  return useContext(FormErrorsContext);
}
