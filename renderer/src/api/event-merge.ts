/**
 * Merging run events from two sources (the ledger catch-up and the live
 * stream) into one ordered, duplicate-free list. `seq` is assigned by main
 * per run and never reused, so it is the identity of an event.
 */
import type { RunEvent } from '../../../shared/contract/index.ts';

/** Highest seq held, or -1 (the `afterSeq` that asks for everything). */
export function lastSeq(events: readonly RunEvent[]): number {
  return events.length === 0 ? -1 : events[events.length - 1]!.seq;
}

/**
 * Returns `held` plus `incoming`, sorted by seq, each seq once. The common
 * case (live events arriving in order after what we hold) is an append, so a
 * long log does not cost a sort per event.
 */
export function mergeEvents(held: readonly RunEvent[], incoming: readonly RunEvent[]): RunEvent[] {
  if (incoming.length === 0) return held as RunEvent[];
  const sortedIncoming = [...incoming].sort((a, b) => a.seq - b.seq);
  const first = sortedIncoming[0]!;
  if (first.seq > lastSeq(held)) {
    const out = [...held];
    for (const e of sortedIncoming) if (e.seq > lastSeq(out)) out.push(e);
    return out;
  }
  const bySeq = new Map<number, RunEvent>();
  for (const e of held) bySeq.set(e.seq, e);
  for (const e of sortedIncoming) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** True when `events` skip a seq, i.e. something was missed on the live stream and the ledger must be asked. */
export function hasGap(events: readonly RunEvent[]): boolean {
  for (let i = 1; i < events.length; i++) if (events[i]!.seq !== events[i - 1]!.seq + 1) return true;
  return false;
}
