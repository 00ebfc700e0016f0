/**
 * Each node's place in a rollout, folded from the run's `node.state` events
 * (and `reconcile.node` after a resume). Pure, so a reload folds the same
 * ledger events into the same cards; the renderer invents no state.
 */
import { nodeStateSchema, type NodeState, type RunEvent, type Step } from '../../../../../shared/contract/index.ts';

/** What one node card shows. */
export interface NodeStatus {
  node: string;
  state: NodeState;
  /** When the node entered `state` (a repeated state with a new message keeps its start). */
  since: string;
  message: string | null;
  /** The version a resume found on disk, if one did. */
  reconciledVersion: string | null;
  /** The node was stopped and waits for its start (a recreate or restore stops every node together): down, not idle. */
  stopped: boolean;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Latest state per node, in first-seen order. Unknown states from a newer engine are ignored, not guessed. */
export function foldNodeStates(events: readonly RunEvent[]): NodeStatus[] {
  const nodes = new Map<string, NodeStatus>();
  for (const e of events) {
    if (e.kind === 'node.state') {
      const node = str(e.data.node) ?? e.node;
      const parsed = nodeStateSchema.safeParse(e.data.state);
      if (!node || !parsed.success) continue;
      const prev = nodes.get(node);
      const since = prev && prev.state === parsed.data ? prev.since : e.at;
      const stopped = parsed.data === 'waiting' && prev !== undefined && (prev.state === 'stopping' || prev.stopped);
      nodes.set(node, { node, state: parsed.data, since, message: str(e.data.message), reconciledVersion: prev?.reconciledVersion ?? null, stopped });
    } else if (e.kind === 'reconcile.node' && e.node) {
      const prev = nodes.get(e.node);
      const version = str(e.data.version);
      if (prev) nodes.set(e.node, { ...prev, reconciledVersion: version, message: str(e.data.message) ?? prev.message });
    }
  }
  return [...nodes.values()];
}

/** Cards for every node the cluster has (in spec order), then any other node the events name. */
export function nodeCards(specNodes: readonly string[], folded: readonly NodeStatus[]): (NodeStatus | { node: string; state: null })[] {
  const byName = new Map(folded.map((n) => [n.node, n]));
  const out: (NodeStatus | { node: string; state: null })[] = specNodes.map((name) => byName.get(name) ?? { node: name, state: null });
  for (const n of folded) if (!specNodes.includes(n.node)) out.push(n);
  return out;
}

/**
 * The Keycloak version a card can honestly claim. `joined` means the engine
 * saw the node on the run's target; `waiting`, `preparing`, `prepared` and
 * `draining` still run the old one; in between the node is on its way and the card says so.
 */
export function nodeVersion(state: NodeState | null, run: { fromVersion: string | null; toVersion: string | null }, reconciled: string | null): string | null {
  switch (state) {
    case 'joined':
      return run.toVersion;
    case 'waiting':
    case 'preparing':
    case 'prepared':
    case 'draining':
      return reconciled ?? run.fromVersion;
    case 'stopping':
    case 'installing':
    case 'starting':
    case 'ready':
      return run.toVersion ? `→ ${run.toVersion}` : null;
    default:
      return reconciled;
  }
}

/** Steps done and total, and the one running now, for the progress line. */
export function stepProgress(steps: readonly Step[]): { done: number; total: number; current: Step | null; failed: Step | null } {
  const done = steps.filter((s) => s.status === 'succeeded' || s.status === 'skipped').length;
  return {
    done,
    total: steps.length,
    current: steps.find((s) => s.status === 'running') ?? null,
    failed: steps.find((s) => s.status === 'failed') ?? null,
  };
}

/** Steps of one node, done and total, for its card. */
export function nodeStepCounts(steps: readonly Step[], node: string): { done: number; total: number } {
  const mine = steps.filter((s) => s.node === node);
  return { done: mine.filter((s) => s.status === 'succeeded' || s.status === 'skipped').length, total: mine.length };
}

/**
 * One line when every node is in the same outage state at once (a recreate
 * or restore moves them together): said once above the cards, so "all
 * stopped" reads as the plan working, not as six separate alarms. Null otherwise.
 */
export function togetherLine(cards: readonly (NodeStatus | { node: string; state: null })[]): string | null {
  if (cards.length < 2 || cards.some((c) => c.state === null)) return null;
  const all = cards as readonly NodeStatus[];
  const n = all.length;
  if (all.every((c) => c.state === 'stopping')) return `All ${n} nodes are stopping together: the cluster is going down as planned.`;
  if (all.every((c) => c.state === 'waiting' && c.stopped)) return `All ${n} nodes are stopped: the cluster is down until the first one starts again.`;
  if (all.every((c) => c.state === 'draining') && all.some((c) => c.message?.includes('maintenance'))) return `All ${n} nodes are out of rotation: the load balancer answers every request with the maintenance 503.`;
  return null;
}
