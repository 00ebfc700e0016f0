/**
 * Narrowing a run's log to one program (engine, ansible, ssh, kcsh, probe)
 * or one node: during a rollout the operator asks "what is n2 doing?" and
 * "what did Ansible say?", and a mixed stream buries both answers.
 */
import type { RunEvent } from '../../../../shared/contract/index.ts';

/** The filter the log toolbar holds; `null` means "all". */
export interface LogFilter {
  source: string | null;
  node: string | null;
  showDebug: boolean;
}

/** Sources and nodes that occur in `events`, sorted, for the filter menus. */
export function logFacets(events: readonly RunEvent[]): { sources: string[]; nodes: string[] } {
  const sources = new Set<string>();
  const nodes = new Set<string>();
  for (const e of events) {
    sources.add(e.source);
    if (e.node) nodes.add(e.node);
  }
  return { sources: [...sources].sort(), nodes: [...nodes].sort() };
}

/** The events the log shows under `filter`, and how many debug lines the filter hides. */
export function filterEvents(events: readonly RunEvent[], filter: LogFilter): { rows: RunEvent[]; hiddenDebug: number } {
  const rows: RunEvent[] = [];
  let hiddenDebug = 0;
  for (const e of events) {
    if (filter.source !== null && e.source !== filter.source) continue;
    if (filter.node !== null && e.node !== filter.node) continue;
    if (!filter.showDebug && e.level === 'debug') {
      hiddenDebug++;
      continue;
    }
    rows.push(e);
  }
  return { rows, hiddenDebug };
}
