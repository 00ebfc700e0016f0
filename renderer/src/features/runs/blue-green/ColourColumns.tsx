/**
 * A blue/green run as two columns, one per colour: the one serving when the
 * run began and the one it builds (or, for a switch back, returns to), each
 * labelled with its real colour and its role (serving/building, then
 * active/standby once traffic moved), with the run's node cards under it.
 * The standby colour this run left carries its Decommission button.
 */
import { useMemo } from 'react';
import type { ColourRecord, NodeState, RunEvent, RunSummary, Step } from '../../../../../shared/contract/index.ts';
import type { Colour } from '../../../../../shared/contract/colours.ts';
import { Badge } from '../../../components/Badges.tsx';
import { formatDateTime } from '../../../lib/time.ts';
import { foldNodeStates, nodeCards, nodeVersion, type NodeStatus } from '../rollout/node-states.ts';
import { NodeCards } from '../rollout/NodeCards.tsx';
import { columnNodes, columnRole, type BlueGreenState, type ColumnRole } from './blue-green-state.ts';
import { DecommissionStandby } from './DecommissionStandby.tsx';

const roleTone: Record<ColumnRole, 'ok' | 'info' | 'warn' | 'muted' | 'bad'> = { serving: 'ok', active: 'ok', building: 'info', standby: 'warn', destroyed: 'muted' };

interface ColourColumnsProps {
  run: RunSummary;
  steps: Step[];
  events: readonly RunEvent[];
  state: BlueGreenState;
  records: readonly ColourRecord[];
  /** The cluster record's nodes: the colour that served when the run began, until a record names its own. */
  specNodes: readonly string[];
  trafficName: string | null;
  live: boolean;
}

/** One sentence under a column's title: what this colour is doing for clients. */
function roleLine(role: ColumnRole, colour: Colour, s: BlueGreenState, record: ColourRecord | null, trafficName: string): string {
  switch (role) {
    case 'serving':
      return `Serves ${trafficName}; this run does not change it.`;
    case 'building':
      return record ? `Built by this run${record.clonePoint ? ` from the backup of ${formatDateTime(record.clonePoint)}` : ''}; no client reaches it before the switch.` : 'Not created yet.';
    case 'active': {
      const move = s.switchedBack?.to === colour ? s.switchedBack : s.switched;
      return `Receives ${trafficName}${move ? ` since ${formatDateTime(move.at)}` : ''}.`;
    }
    case 'standby':
      return s.switched && s.switched.to !== colour && s.drainedAfterSeconds !== null
        ? `Kept unchanged as the way back; its last request came ${s.drainedAfterSeconds} s after the switch.`
        : 'Kept unchanged as the way back; it serves no client.';
    case 'destroyed':
      return 'Destroyed by this run.';
  }
}

/** The two columns. */
export function ColourColumns({ run, steps, events, state, records, specNodes, trafficName, live }: ColourColumnsProps) {
  const folded = useMemo(() => foldNodeStates(events), [events]);
  const { source, target } = state;
  if (!source || !target) return null;
  const live_ = (c: Colour) => records.find((r) => r.colour === c && r.role !== 'destroyed') ?? null;
  const eventNodes = folded.map((n) => n.node);
  const sourceRecord = live_(source);
  const targetRecord = live_(target);
  const sourceNodes = columnNodes(source, { record: sourceRecord, isSource: true, specNodes, eventNodes, otherNodes: [] });
  const targetNodes = columnNodes(target, { record: targetRecord, isSource: false, specNodes, eventNodes, otherNodes: sourceNodes });
  const columns: { colour: Colour; nodes: string[]; record: ColourRecord | null; built: boolean }[] = [
    { colour: source, nodes: sourceNodes, record: sourceRecord, built: false },
    { colour: target, nodes: targetNodes, record: targetRecord, built: state.kind === 'upgrade' },
  ];
  const name = trafficName ?? 'the public name';

  return (
    <div className="colour-columns" data-testid="colour-columns">
      {columns.map(({ colour, nodes, record, built }) => {
        const role = columnRole(state, colour);
        // The executor marks every node of the cluster record 'waiting' at the start; a colour this run does not build only serves or waits as standby.
        const states = folded.filter((n) => nodes.includes(n.node) && (built || n.state !== 'waiting'));
        const cards = nodeCards(nodes, states);
        const version = record?.version ?? (built ? run.toVersion : run.fromVersion);
        const versionOf = (_node: string, st: NodeState | null, reconciled: string | null) =>
          built && (st === 'ready' || st === 'joined') ? (record?.version ?? run.toVersion) : st === null || !built ? (reconciled ?? version) : nodeVersion(st, run, reconciled);
        return (
          <section key={colour} className={`colour-column colour-${colour}`} data-testid={`colour-column-${colour}`} data-role={role} aria-label={`${colour}, ${role}`}>
            <header className="colour-column-head">
              <span className="colour-swatch" aria-hidden="true" />
              <h3 className="colour-name">{colour}</h3>
              <Badge tone={roleTone[role]} testId={`colour-role-${colour}`}>
                {role}
              </Badge>
              <span className="spacer" />
              {version && <span className="mono small">{version}</span>}
            </header>
            <p className="colour-role-line small muted" data-testid={`colour-line-${colour}`}>
              {roleLine(role, colour, state, record, name)}
            </p>
            {cards.length === 0 ? (
              <div className="colour-empty small muted">{built ? 'Its nodes appear once it is created.' : 'No nodes recorded.'}</div>
            ) : (
              <NodeCards
                cards={cards as (NodeStatus | { node: string; state: null })[]}
                run={run}
                steps={steps}
                live={live}
                testId={`node-cards-${colour}`}
                versionOf={versionOf}
                idleMessage={role === 'serving' || role === 'active' ? `Serves ${name}.` : role === 'standby' ? 'Standby: kept as it was.' : role === 'destroyed' ? 'Destroyed.' : 'Not built yet.'}
                idleState={role === 'building' ? 'no news' : role}
              />
            )}
            {record?.role === 'standby' && record.runId === run.id && !live && run.clusterName && <DecommissionStandby cluster={run.clusterName} record={record} />}
          </section>
        );
      })}
    </div>
  );
}
