/**
 * The moments the prober chart marks, folded from the run's events: a node
 * leaving (draining) and rejoining (joined) the load balancer, and for
 * blue/green the traffic switch (`traffic.switched`, at the time the DNS
 * update was read back) and a switch back (`traffic.switched-back`). A dip in
 * the chart then lines up with what caused it.
 */
import type { RunEvent } from '../../../../../shared/contract/index.ts';

/** One vertical mark: where (epoch ms), what it says, and how it is drawn. */
export interface ChartMark {
  t: number;
  label: string;
  kind: 'node-out' | 'node-back' | 'switch' | 'switch-back';
}

/** Marks in event order; events without a readable time are left out, never guessed. */
export function chartMarks(events: readonly RunEvent[]): ChartMark[] {
  const marks: ChartMark[] = [];
  for (const e of events) {
    const d = e.data;
    if (e.kind === 'node.state' && (d.state === 'draining' || d.state === 'joined')) {
      const t = Date.parse(e.at);
      if (Number.isFinite(t)) marks.push({ t, label: `${String(d.node ?? e.node ?? '')} ${d.state === 'draining' ? 'out' : 'back'}`, kind: d.state === 'draining' ? 'node-out' : 'node-back' });
    } else if (e.kind === 'traffic.switched' || e.kind === 'traffic.switched-back') {
      // The switch's own time (when the record was changed), not when the event was written.
      const t = Date.parse(typeof d.at === 'string' ? d.at : e.at);
      const to = typeof d.to === 'string' ? d.to : '?';
      const back = e.kind === 'traffic.switched-back';
      if (Number.isFinite(t)) marks.push({ t, label: back ? `switched back to ${to}` : `switched to ${to}`, kind: back ? 'switch-back' : 'switch' });
    }
  }
  return marks;
}
