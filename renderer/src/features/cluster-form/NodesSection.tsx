/**
 * The nodes Keyturn reaches over SSH, one row each. Dense on purpose: an
 * operator compares hosts and ports down a column. Defaults show as
 * placeholders and are applied by the schema when left empty.
 */
import type { NodeDraft } from './draft.ts';
import { useDraft } from './draft-store.ts';
import { FieldError, TextField } from './Fields.tsx';
import { FormSection } from './FormSection.tsx';
import { useFormErrors } from './form-errors-context.ts';

const columns: { field: Exclude<keyof NodeDraft, 'uid'>; label: string; placeholder: string; numeric?: boolean }[] = [
  { field: 'name', label: 'Name', placeholder: 'e.g. kc-1' },
  { field: 'host', label: 'SSH host', placeholder: 'e.g. 10.0.0.11' },
  { field: 'port', label: 'SSH port', placeholder: '22', numeric: true },
  { field: 'user', label: 'User', placeholder: 'e.g. keycloak' },
  { field: 'keyPath', label: 'Key path', placeholder: 'ssh-agent' },
  { field: 'address', label: 'Keycloak address', placeholder: 'same as host' },
  { field: 'httpPort', label: 'HTTP port', placeholder: '8080', numeric: true },
  { field: 'managementPort', label: 'Mgmt port', placeholder: '9000', numeric: true },
];

/** Nodes section with add/remove rows. */
export function NodesSection() {
  const nodes = useDraft((s) => s.draft.nodes);
  const { setNode, addNode, removeNode } = useDraft.getState();
  const { rowsChanged } = useFormErrors();
  return (
    <FormSection
      title="Nodes"
      description="Each node is reached over SSH with key authentication. Host keys are pinned later, after you compare fingerprints."
      actions={
        <button type="button" className="btn btn-small" data-testid="add-node" onClick={addNode}>
          Add node
        </button>
      }
    >
      <FieldError id="nodes" />
      <div className="node-grid" role="table" aria-label="Nodes">
        <div className="node-grid-row node-grid-head" role="row">
          <span role="columnheader">#</span>
          {columns.map((c) => (
            <span key={c.field} role="columnheader">
              {c.label}
            </span>
          ))}
          <span role="columnheader" className="sr-only">
            Remove
          </span>
        </div>
        {nodes.map((node, i) => (
          <div className="node-grid-row" role="row" key={node.uid} data-testid={`node-row-${i}`}>
            <span className="node-index mono" role="cell">
              {i + 1}
            </span>
            {columns.map((c) => (
              <div role="cell" key={c.field}>
                <TextField
                  id={`node-${i}-${c.field}`}
                  label={`Node ${i + 1} ${c.label}`}
                  hideLabel
                  value={node[c.field]}
                  onChange={(v) => setNode(i, { [c.field]: v })}
                  placeholder={c.placeholder}
                  inputMode={c.numeric ? 'numeric' : 'text'}
                  mono
                />
              </div>
            ))}
            <div role="cell">
              <button
                type="button"
                className="btn btn-small btn-ghost"
                data-testid={`remove-node-${i}`}
                aria-label={`Remove node ${i + 1}`}
                disabled={nodes.length === 1}
                title={nodes.length === 1 ? 'A cluster needs at least one node' : undefined}
                onClick={() => {
                  rowsChanged('node-');
                  removeNode(i);
                }}
              >
                ✕
              </button>
            </div>
          </div>
        ))}
      </div>
    </FormSection>
  );
}
