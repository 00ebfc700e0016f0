/**
 * A run's event log, rebuilt from the ledger and kept live.
 *
 * The log lives in the react-query cache under `runs:events {runId}` as
 * `{events, ledgerSeq}`: `ledgerSeq` is the highest seq confirmed by reading
 * the ledger. Live events from `api().onEvent` are appended in small batches;
 * a catch-up (`runs:events` after `ledgerSeq`) runs on mount, periodically
 * while the run is active, when a gap shows on the live stream, and once more
 * when the run ends. Both sources are merged by seq, so a reload, a dropped
 * socket or a duplicate delivery all converge on the ledger's truth.
 */
import { useEffect, useRef } from 'react';
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { runEventSchema, type RunEvent } from '../../../shared/contract/index.ts';
import { api, unwrap } from './client.ts';
import { lastSeq, mergeEvents } from './event-merge.ts';
import { queryKeys } from './query-keys.ts';

/** The cached log of one run. */
export interface EventLog {
  events: RunEvent[];
  ledgerSeq: number;
}

const PAGE = 1000;
/** Safety net for events missed on the live stream; cheap because it asks only for what follows `ledgerSeq`. */
const CATCH_UP_MS = 5_000;
/** Live events are flushed at most this often so a chatty terraform apply doesn't re-render per line. */
const FLUSH_MS = 80;

async function catchUp(qc: QueryClient, runId: string): Promise<EventLog> {
  const key = queryKeys.runEvents(runId);
  const start = qc.getQueryData<EventLog>(key)?.ledgerSeq ?? -1;
  const fetched: RunEvent[] = [];
  let after = start;
  // Page until the ledger has nothing more; bounded so a misbehaving server can't spin us forever.
  for (let page = 0; page < 10_000; page++) {
    const batch = await unwrap(api().runs.events({ runId, afterSeq: after, limit: PAGE }));
    if (batch.length === 0) break;
    fetched.push(...batch);
    after = lastSeq(batch);
    if (batch.length < PAGE) break;
  }
  // Read the cache again: live events may have landed while we were paging.
  const now = qc.getQueryData<EventLog>(key);
  return {
    events: mergeEvents(now?.events ?? [], fetched),
    ledgerSeq: Math.max(now?.ledgerSeq ?? -1, after),
  };
}

/**
 * The events of `runId`, ordered by seq, without duplicates.
 * `active` keeps the periodic catch-up on; when it turns false one final
 * catch-up collects whatever the run wrote last.
 */
export function useRunEvents(runId: string, active: boolean) {
  const qc = useQueryClient();
  const query = useQuery({
    queryKey: queryKeys.runEvents(runId),
    queryFn: () => catchUp(qc, runId),
    refetchInterval: active ? CATCH_UP_MS : false,
    refetchOnWindowFocus: false,
    // Always catch up on mount: no live subscription existed while the view was closed.
    refetchOnMount: 'always',
    staleTime: Infinity,
  });

  useEffect(() => {
    const logKey = queryKeys.runEvents(runId);
    let buffer: RunEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      const batch = buffer;
      buffer = [];
      let gap = false;
      qc.setQueryData<EventLog>(logKey, (old) => {
        const held = old ?? { events: [], ledgerSeq: -1 };
        const minSeq = Math.min(...batch.map((e) => e.seq));
        gap = old !== undefined && minSeq > lastSeq(held.events) + 1;
        return { events: mergeEvents(held.events, batch), ledgerSeq: held.ledgerSeq };
      });
      if (gap) void qc.invalidateQueries({ queryKey: logKey, exact: true });
    };
    const unsubscribe = api().onEvent((raw) => {
      const parsed = runEventSchema.safeParse(raw);
      if (!parsed.success || parsed.data.runId !== runId) return;
      buffer.push(parsed.data);
      timer ??= setTimeout(flush, FLUSH_MS);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [qc, runId]);

  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) void qc.invalidateQueries({ queryKey: queryKeys.runEvents(runId), exact: true });
    wasActive.current = active;
  }, [active, qc, runId]);

  return query;
}
