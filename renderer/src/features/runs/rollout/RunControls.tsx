/**
 * Pause, Abort, Rollback and Resume, each with one line saying what it will
 * do. While a run is active all three stop-buttons stay on screen: an
 * operator who needs one at 3 a.m. must not have to find it. Requests are
 * acknowledged at once; the effect shows when the engine gets there.
 */
import { useState, type ReactNode } from 'react';
import type { RunSummary, Step } from '../../../../../shared/contract/index.ts';
import { useRunControl, type RunControl } from '../../../api/use-upgrade.ts';
import { ErrorPanel } from '../../../components/ErrorPanel.tsx';
import { RollbackPanel } from './RollbackPanel.tsx';
import type { BlueGreenState } from '../blue-green/blue-green-state.ts';
import { promoteWords, rollbackBeforeSwitchWords, switchBackWords } from '../blue-green/blue-green-words.ts';

/** A blue/green upgrade's facts for its controls: Resume at the gate is "Promote", Rollback after the switch is "Switch back". */
export interface BlueGreenControls {
  state: BlueGreenState;
  trafficName: string | null;
  /** The switch back still applies (see `switchBackApplies`). */
  switchBack: boolean;
}

function Control({ children, explain, testId }: { children: ReactNode; explain: string; testId: string }) {
  return (
    <div className="control" data-testid={`${testId}-control`}>
      {children}
      <div className="control-explain small muted" data-testid={`${testId}-explain`}>
        {explain}
      </div>
    </div>
  );
}

/** The controls of one upgrade or rollback run, for whatever state it is in. */
export function RunControls({ run, steps, blueGreen }: { run: RunSummary; steps: Step[]; blueGreen?: BlueGreenControls }) {
  const pause = useRunControl('pause');
  const abort = useRunControl('abort');
  const resume = useRunControl('resume');
  const [rollbackOpen, setRollbackOpen] = useState(false);
  const [requested, setRequested] = useState<{ control: RunControl; status: string } | null>(null);

  const active = run.status === 'pending' || run.status === 'running';
  const stopped = run.status === 'paused' || run.status === 'interrupted';
  const ended = run.status === 'failed' || run.status === 'aborted' || run.status === 'succeeded';
  const isRollback = run.kind === 'rollback';
  const bg = isRollback ? undefined : blueGreen;
  const switched = bg?.state.switched != null;
  // After a switch, the way back is the switch back; once it no longer applies (traffic went back, the colour is gone) there is none to offer here.
  const showRollback = run.clusterName !== null && (isRollback ? !active && run.status !== 'succeeded' : !switched || bg?.switchBack === true);
  const promote = bg?.state.atGate ? promoteWords(bg.state, steps) : null;
  const bgRollback = bg ? (switched ? switchBackWords(bg.state, bg.trafficName) : rollbackBeforeSwitchWords(bg.state)) : null;
  // A request is shown as pending until the run's status moves on; the ledger's pending control survives a reload.
  const pending = (requested && requested.status === run.status ? requested.control : null) ?? (active ? run.control : null);
  const send = (control: RunControl, m: ReturnType<typeof useRunControl>) =>
    m.mutate(run.id, { onSuccess: () => setRequested({ control, status: run.status }) });
  const from = isRollback ? run.toVersion : run.fromVersion;
  // A run that stopped before any node step began changed nothing: Rollback stays available but is not pushed.
  const touched = steps.some((s) => s.node !== null && s.status !== 'pending');
  // Recreate and restore stop every node together; the engine never pauses inside that outage.
  const outageRun = steps.some((s) => s.kind === 'lb.maintenance' || s.kind === 'cluster.stop');
  const error = pause.error ?? abort.error ?? resume.error;
  if (!active && !stopped && !showRollback) return null;

  return (
    <div className="run-controls-wrap">
      <div className="run-controls" data-testid="run-controls">
        {active && (
          <>
            <Control
              testId="run-pause"
              explain={
                outageRun
                  ? 'Pause: takes effect only where the plan allows it, never while every node is down: it waits until clients are served again.'
                  : 'Pause: stops before the next node; the current node finishes.'
              }
            >
              <button type="button" className="btn" data-testid="run-pause" disabled={pause.isPending || pending !== null} onClick={() => send('pause', pause)}>
                {pending === 'pause' ? 'Pause requested…' : 'Pause'}
              </button>
            </Control>
            <Control testId="run-abort" explain="Abort: stops after the current step; the cluster stays as it is.">
              <button type="button" className="btn btn-danger-outline" data-testid="run-abort" disabled={abort.isPending || pending === 'abort'} onClick={() => send('abort', abort)}>
                {pending === 'abort' ? 'Abort requested…' : 'Abort'}
              </button>
            </Control>
          </>
        )}
        {stopped && promote && (
          <Control testId="run-promote" explain={promote.explain}>
            <button type="button" className="btn btn-primary" data-testid="run-promote" disabled={resume.isPending} onClick={() => send('resume', resume)}>
              {resume.isPending ? 'Checking the colours…' : promote.label}
            </button>
          </Control>
        )}
        {stopped && !promote && (
          <Control testId="run-resume" explain="Resume: checks what every node really runs, then continues from the first step not done.">
            <button type="button" className="btn btn-primary" data-testid="run-resume" disabled={resume.isPending} onClick={() => send('resume', resume)}>
              {resume.isPending ? 'Checking the nodes…' : 'Resume'}
            </button>
          </Control>
        )}
        {showRollback && (
          <Control
            testId={switched ? 'run-switch-back' : 'run-rollback'}
            explain={
              bgRollback
                ? bgRollback.explain
                : active
                  ? `Rollback: stops after the current step, then puts the nodes back on ${from ?? 'the previous version'}; the plan and its cost are shown first.`
                  : !touched && !isRollback
                    ? 'Rollback: not needed, no node was changed by this run; the plan says so before anything happens.'
                    : `Rollback: puts the nodes back on ${from ?? 'the previous version'}; the plan and its cost are shown first.`
            }
          >
            <button
              type="button"
              className={`btn ${ended && run.status !== 'succeeded' && touched ? 'btn-primary' : 'btn-danger-outline'}`}
              data-testid={switched ? 'run-switch-back' : 'run-rollback'}
              disabled={rollbackOpen}
              onClick={() => setRollbackOpen(true)}
            >
              {isRollback ? 'Plan the rollback again…' : (bgRollback?.label ?? 'Rollback…')}
            </button>
          </Control>
        )}
        {pending && (
          <div className="control-note small" role="status" data-testid="run-control-pending">
            {pending === 'pause' ? 'Pause requested: the run stops before the next node.' : pending === 'abort' ? 'Abort requested: the run stops after the current step.' : 'Resume requested.'}
          </div>
        )}
        {stopped && (
          <Control testId="run-abort" explain="Abort: ends the run here for good; the cluster stays as it is.">
            <button type="button" className="btn btn-ghost" data-testid="run-abort" disabled={abort.isPending} onClick={() => send('abort', abort)}>
              Abort
            </button>
          </Control>
        )}
      </div>
      {error && <ErrorPanel error={error} title="The request was refused" />}
      {rollbackOpen && run.clusterName && <RollbackPanel cluster={run.clusterName} viewedRunId={isRollback ? undefined : run.id} stopsRunning={active} onClose={() => setRollbackOpen(false)} />}
    </div>
  );
}
