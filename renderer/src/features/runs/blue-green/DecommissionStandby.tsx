/**
 * "Decommission blue" on the standby colour: says what it removes and that
 * the way back goes with it, then asks for the cluster's name, typed, before
 * `standby:decommission` (which checks the same name again in main).
 */
import { useState } from 'react';
import type { ColourRecord } from '../../../../../shared/contract/index.ts';
import { useDecommissionStandby } from '../../../api/use-standby.ts';
import { ErrorPanel } from '../../../components/ErrorPanel.tsx';
import { TypedConfirmation } from '../../../components/TypedConfirmation.tsx';
import { decommissionWords } from './blue-green-words.ts';

/** The button, its one line, and the confirmation it opens. */
export function DecommissionStandby({ cluster, record }: { cluster: string; record: ColourRecord }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const decommission = useDecommissionStandby();
  const words = decommissionWords(record);
  const armed = typed === cluster && !decommission.isPending;

  if (decommission.isSuccess) {
    return (
      <div className="control-note small" role="status" data-testid={`decommission-done-${record.colour}`}>
        {record.colour} is {decommission.data.role === 'destroyed' ? 'decommissioned' : decommission.data.role}.
      </div>
    );
  }
  return (
    <div className="control colour-decommission" data-testid={`decommission-${record.colour}-control`}>
      {!open ? (
        <button type="button" className="btn btn-danger-outline" data-testid={`decommission-${record.colour}`} onClick={() => setOpen(true)}>
          {words.label}
        </button>
      ) : (
        <form
          className="confirm-box"
          onSubmit={(e) => {
            e.preventDefault();
            if (armed) decommission.mutate({ cluster, confirm: typed, colour: record.colour });
          }}
        >
          <TypedConfirmation name={cluster} value={typed} onChange={setTyped} testId={`decommission-${record.colour}-confirm-input`} lead={<span>This removes {record.colour} for good.</span>} autoFocus />
          <div className="inline-gap">
            <button type="button" className="btn btn-ghost" onClick={() => setOpen(false)} disabled={decommission.isPending}>
              Cancel
            </button>
            <button type="submit" className="btn btn-danger" data-testid={`decommission-${record.colour}-confirm`} disabled={!armed}>
              {decommission.isPending ? `Decommissioning ${record.colour}…` : `Decommission ${record.colour}`}
            </button>
          </div>
          {decommission.isError && <ErrorPanel error={decommission.error} title={`${record.colour} was not decommissioned`} />}
        </form>
      )}
      <div className="control-explain small muted" data-testid={`decommission-${record.colour}-explain`}>
        {words.explain}
      </div>
    </div>
  );
}
