/**
 * One card per node: its state in the rollout (word and colour), how long it
 * has been in that state, the engine's last word about it, and its steps.
 * Time in state is what tells "slow" from "stuck" at 3 a.m.
 */
import type { NodeState, RunSummary, Step } from '../../../../../shared/contract/index.ts';
import { formatDuration } from '../../../lib/time.ts';
import { nodeStepCounts, nodeVersion, togetherLine, type NodeStatus } from './node-states.ts';

const stateLabel: Record<NodeState, string> = {
  waiting: 'waiting',
  preparing: 'preparing (serving)',
  prepared: 'prepared (serving)',
  draining: 'draining',
  stopping: 'stopping',
  installing: 'installing',
  starting: 'starting',
  ready: 'ready',
  joined: 'joined',
  failed: 'failed',
};

/** States in which the node is out of service or changing: its elapsed time ticks and pulses. */
const moving = new Set<NodeState>(['preparing', 'draining', 'stopping', 'installing', 'starting', 'ready']);

type Card = NodeStatus | { node: string; state: null };

interface NodeCardsProps {
  cards: Card[];
  run: RunSummary;
  steps: Step[];
  /** The run is still going: elapsed times run until now, else until the run finished. */
  live: boolean;
  /** The grid's test id (two grids on one screen, one per blue/green colour). */
  testId?: string;
  /** The version a card claims, when the caller knows better than the run's from/to (a blue/green colour's record). */
  versionOf?: (node: string, state: NodeState | null, reconciled: string | null) => string | null;
  /** What a card without any event about its node says. */
  idleMessage?: string;
  /** The state word of such a card ('no news' unless the caller knows, e.g. a blue/green colour 'serving'). */
  idleState?: string;
}

/** The grid of node cards. */
export function NodeCards({ cards, run, steps, live, testId = 'node-cards', versionOf, idleMessage, idleState = 'no news' }: NodeCardsProps) {
  if (cards.length === 0) return null;
  const end = live ? null : (run.finishedAt ?? null);
  const together = live ? togetherLine(cards) : null;
  return (
    <div className="node-cards">
      {together && (
        <div className="node-together small strong" data-testid="node-together">
          {together}
        </div>
      )}
      <div className="node-grid" data-testid={testId}>
        {cards.map((c) => {
          const state = c.state;
          const status = state ? (c as NodeStatus) : null;
          // A node stopped by a recreate or restore waits for its start: it is down, not idle.
          const stopped = status?.stopped === true;
          const counts = nodeStepCounts(steps, c.node);
          const reconciled = status?.reconciledVersion ?? null;
          const version = versionOf ? versionOf(c.node, state, reconciled) : nodeVersion(state, run, reconciled);
          return (
            <article
              key={c.node}
              className={`node-card node-${stopped ? 'stopped' : (state ?? 'none')}${live && state && moving.has(state) ? ' node-moving' : ''}`}
              data-testid={`node-card-${c.node}`}
              data-state={state ?? 'none'}
              data-stopped={stopped || undefined}
            >
              <header className="node-card-head">
                <span className="mono strong">{c.node}</span>
                <span className="node-state">
                  <span className="node-dot" aria-hidden="true" />
                  {stopped ? 'stopped' : state ? stateLabel[state] : idleState}
                </span>
              </header>
              <div className="node-card-meta mono small">
                <span title="Keycloak version, as far as this run knows">
                  {version ?? '—'}
                  {stopped && version ? ' (not running)' : ''}
                </span>
                {status && (
                  <span title={`in this state since ${status.since}`} data-testid={`node-elapsed-${c.node}`}>
                    {formatDuration(status.since, end)}
                  </span>
                )}
                {counts.total > 0 && (
                  <span className="muted" title="This node's steps done / total">
                    {counts.done}/{counts.total} steps
                  </span>
                )}
              </div>
              <div className="node-card-msg small" title={status?.message ?? undefined}>
                {status?.message ?? <span className="muted">{idleMessage ?? (run.kind === 'rollback' ? 'Not touched by this rollback yet.' : 'No event about this node yet.')}</span>}
              </div>
            </article>
          );
        })}
      </div>
    </div>
  );
}
