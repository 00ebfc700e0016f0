/**
 * The live rollout of an upgrade or rollback run: what it is doing (controls,
 * progress, one card per node), what clients see (the maintenance banner
 * and downtime of a recreate or restore, prober chart and figures)
 * and what every program said (steps and the filtered log). Everything is
 * folded from `runs:get` and the run's events, so a reload rebuilds it.
 * Used by the run screen and by the wizard's Run step.
 */
import { useMemo } from 'react';
import type { RunEvent, RunSummary, Step } from '../../../../../shared/contract/index.ts';
import { useCluster } from '../../../api/use-clusters.ts';
import { EventLog } from '../EventLog.tsx';
import { StepsList } from '../StepsList.tsx';
import { foldNodeStates, nodeCards } from './node-states.ts';
import { NodeCards } from './NodeCards.tsx';
import { OutageBanner } from './OutageBanner.tsx';
import { foldOutage } from './outage.ts';
import { ProbePanel } from './ProbePanel.tsx';
import { RunControls } from './RunControls.tsx';
import { RunProgress } from './RunProgress.tsx';
import { isBlueGreenRun, switchBackApplies, type BlueGreenState } from '../blue-green/blue-green-state.ts';
import { ColourColumns } from '../blue-green/ColourColumns.tsx';
import { DataWindow } from '../blue-green/DataWindow.tsx';
import { useBlueGreen } from '../blue-green/use-blue-green.ts';

interface RolloutBodyProps {
  run: RunSummary;
  steps: Step[];
  events: RunEvent[];
  active: boolean;
}

function lastMessage(events: readonly RunEvent[], kind: string): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.kind === kind && typeof e.data.message === 'string') return e.data.message;
  }
  return null;
}

/** Why the run stopped, in words, with what the buttons below can do about it. */
function StopBanner({ run, events, gate }: { run: RunSummary; events: readonly RunEvent[]; gate?: BlueGreenState | null }) {
  if (gate?.atGate) {
    const target = gate.target ?? 'the new colour';
    return (
      <div className="banner banner-warn" data-testid="run-gate-banner">
        <div className="banner-body">
          <div className="banner-title">Waiting for promotion</div>
          <div className="banner-message">{lastMessage(events, 'promotion.waiting') ?? `${target} passed its checks.`}</div>
          <div className="banner-hint">
            Nothing switches until you promote {target}; {gate.source ?? 'the serving colour'} keeps serving meanwhile. Rollback shows its plan for {target} (removed or kept) before anything happens.
          </div>
        </div>
      </div>
    );
  }
  if (run.error && (run.status === 'failed' || run.status === 'aborted')) {
    return (
      <div className="banner banner-error" role="alert" data-testid="run-error">
        <div className="banner-body">
          <div className="banner-title">{run.status === 'aborted' ? 'Aborted' : 'Failed'}</div>
          <div className="banner-message">{run.error.message}</div>
          <div className="banner-hint">{run.error.hint}</div>
          <div className="banner-code mono">{run.error.code}</div>
        </div>
      </div>
    );
  }
  if (run.status === 'paused') {
    return (
      <div className="banner banner-warn" data-testid="run-paused-banner">
        <div className="banner-body">
          <div className="banner-title">Paused</div>
          <div className="banner-message">{lastMessage(events, 'run.paused') ?? 'The run is paused at a node boundary.'}</div>
          <div className="banner-hint">No node is changing now. Resume continues with the next node; Rollback undoes what was done.</div>
        </div>
      </div>
    );
  }
  if (run.status === 'interrupted') {
    return (
      <div className="banner banner-error" role="alert" data-testid="run-interrupted-banner">
        <div className="banner-body">
          <div className="banner-title">Interrupted</div>
          <div className="banner-message">The Keyturn process running this {run.kind} stopped before it finished; the cluster may be between versions.</div>
          <div className="banner-hint">Resume checks what every node really runs, then continues. Rollback puts the previous version back.</div>
        </div>
      </div>
    );
  }
  return null;
}

/** Controls, progress, node cards, prober and log of one run. */
export function RolloutBody({ run, steps, events, active }: RolloutBodyProps) {
  const blueGreen = isBlueGreenRun(run, steps);
  return blueGreen ? <BlueGreenRollout run={run} steps={steps} events={events} active={active} /> : <NodeRollout run={run} steps={steps} events={events} active={active} />;
}

/** Rolling, recreate and their rollbacks: one grid of node cards. */
function NodeRollout({ run, steps, events, active }: RolloutBodyProps) {
  const cluster = useCluster(run.clusterName ?? '', run.clusterName !== null);
  const specNodes = useMemo(() => cluster.data?.spec.nodes.map((n) => n.name) ?? [], [cluster.data]);
  const cards = useMemo(() => nodeCards(specNodes, foldNodeStates(events)), [specNodes, events]);
  const outage = useMemo(() => foldOutage(steps, events), [steps, events]);

  return (
    <div className="rollout" data-testid="rollout" data-run-status={run.status}>
      <StopBanner run={run} events={events} />
      <OutageBanner outage={outage} live={active} runFinishedAt={run.finishedAt} />
      {run.kind === 'rollback' && <DataWindow events={events} live={active || run.status === 'interrupted'} kind="restore" serving={null} />}
      <RunControls run={run} steps={steps} />
      <RunProgress steps={steps} live={active} />
      <NodeCards cards={cards} run={run} steps={steps} live={active} />
      <RolloutFooter run={run} steps={steps} events={events} active={active} />
    </div>
  );
}

/** Blue/green and its switch back: one column per colour, Promote at the gate, Switch back after the switch. */
function BlueGreenRollout({ run, steps, events, active }: RolloutBodyProps) {
  const cluster = useCluster(run.clusterName ?? '', run.clusterName !== null);
  const specNodes = useMemo(() => cluster.data?.spec.nodes.map((n) => n.name) ?? [], [cluster.data]);
  const trafficName = cluster.data?.spec.traffic.name ?? null;
  const view = useBlueGreen(run, steps, events, active);
  const controls = { state: view.state, trafficName, switchBack: switchBackApplies(view.state, view.recordsRead ? view.records : null) };

  return (
    <div className="rollout rollout-blue-green" data-testid="rollout" data-run-status={run.status} data-strategy="blue-green">
      <StopBanner run={run} events={events} gate={view.state} />
      <RunControls run={run} steps={steps} blueGreen={controls} />
      {/* an interrupted run leaves the serving side taking writes: its window stays open too */}
      <DataWindow events={events} live={active || run.status === 'interrupted'} kind="blue-green" serving={view.state.kind === 'upgrade' ? view.state.source : null} />
      <RunProgress steps={steps} live={active} />
      <ColourColumns run={run} steps={steps} events={events} state={view.state} records={view.records} specNodes={specNodes} trafficName={trafficName} live={active} />
      <RolloutFooter run={run} steps={steps} events={events} active={active} />
    </div>
  );
}

/** The prober, the steps and the log, under either body. */
function RolloutFooter({ run, steps, events, active }: RolloutBodyProps) {
  return (
    <>
      <ProbePanel runId={run.id} events={events} active={active} />
      <div className="run-layout">
        <aside className="run-side">
          <section className="panel panel-tight">
            <h2 className="panel-title">Steps</h2>
            <StepsList steps={steps} />
          </section>
        </aside>
        <div className="run-main">
          <EventLog events={events} live={active} compact />
        </div>
      </div>
    </>
  );
}
