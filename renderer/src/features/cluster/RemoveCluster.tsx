/**
 * Forgetting a cluster (and its history) is irreversible, so the button only
 * arms after the operator types the cluster's exact name. The hosts are not
 * touched; the text says so, because that is the first worry at 3 a.m.
 */
import { useState } from 'react';
import { useRemoveCluster } from '../../api/use-clusters.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { TypedConfirmation } from '../../components/TypedConfirmation.tsx';

/** Danger zone with a type-the-name confirmation. */
export function RemoveCluster({ cluster, onRemoved }: { cluster: string; onRemoved: () => void }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const remove = useRemoveCluster();
  const armed = typed === cluster;

  return (
    <section className="panel panel-danger" data-testid="remove-section">
      <div className="panel-header">
        <div>
          <h2 className="panel-title">Remove cluster</h2>
          <p className="muted small">Forgets this cluster, its pinned keys and its run history in Keyturn. Nothing on its hosts, database or DNS changes.</p>
        </div>
        {!open && (
          <button type="button" className="btn btn-danger-outline" data-testid="remove-cluster" onClick={() => setOpen(true)}>
            Remove…
          </button>
        )}
      </div>
      {open && (
        <form
          className="confirm-box"
          onSubmit={(e) => {
            e.preventDefault();
            if (armed) remove.mutate(cluster, { onSuccess: onRemoved });
          }}
        >
          <TypedConfirmation name={cluster} value={typed} onChange={setTyped} testId="remove-confirm-input" autoFocus />
          <div className="inline-gap">
            <button type="submit" className="btn btn-danger" data-testid="remove-confirm" disabled={!armed || remove.isPending}>
              {remove.isPending ? 'Removing…' : 'Remove cluster'}
            </button>
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => {
                setOpen(false);
                setTyped('');
                remove.reset();
              }}
            >
              Cancel
            </button>
          </div>
          {remove.isError && <ErrorPanel error={remove.error} title="The cluster was not removed" />}
        </form>
      )}
    </section>
  );
}
