/**
 * The run's event log, virtualized so a 50 000-line Terraform + Ansible run
 * scrolls as smoothly as a 50-line one. It follows new events while the
 * operator is at the bottom and stops following as soon as they scroll up
 * (a "Jump to latest" button brings it back). Clicking a line shows the
 * whole event. The toolbar filters by source and node (see log-filter.ts).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { RunEvent } from '../../../../shared/contract/index.ts';
import { LevelTag, SourceBadge } from '../../components/Badges.tsx';
import { formatClock } from '../../lib/time.ts';
import { eventDetail, eventMessage } from './event-format.ts';
import { filterEvents, logFacets } from './log-filter.ts';

const ROW_HEIGHT = 22;
/** Within this many pixels of the bottom counts as "at the bottom". */
const FOLLOW_SLACK = ROW_HEIGHT * 2;

interface EventLogProps {
  events: RunEvent[];
  live: boolean;
  /** A shorter scroll area, for screens where the log shares the page with cards and charts. */
  compact?: boolean;
  title?: string;
}

/** Virtualized log with follow mode, source/node filters, a debug toggle and a detail pane. */
export function EventLog({ events, live, compact = false, title = 'Log' }: EventLogProps) {
  const [showDebug, setShowDebug] = useState(false);
  const [source, setSource] = useState<string | null>(null);
  const [node, setNode] = useState<string | null>(null);
  const [following, setFollowing] = useState(true);
  const [selected, setSelected] = useState<number | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);

  const facets = useMemo(() => logFacets(events), [events]);
  const { rows, hiddenDebug: debugCount } = useMemo(() => filterEvents(events, { source, node, showDebug }), [events, source, node, showDebug]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 30,
  });

  useEffect(() => {
    if (following && rows.length > 0) virtualizer.scrollToIndex(rows.length - 1, { align: 'end' });
  }, [rows.length, following, virtualizer]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= FOLLOW_SLACK;
    if (atBottom !== following) setFollowing(atBottom);
  };

  const selectedEvent = selected === null ? undefined : events.find((e) => e.seq === selected);

  return (
    <section className="panel panel-log" data-testid="event-log">
      <div className="log-toolbar">
        <h2 className="panel-title">{title}</h2>
        <span className="muted small">
          {rows.length} event{rows.length === 1 ? '' : 's'}
          {live && <span className="live-dot" title="Receiving live events" />}
        </span>
        <span className="spacer" />
        {facets.sources.length > 1 && (
          <select className="input input-small" aria-label="Filter by source" data-testid="log-filter-source" value={source ?? ''} onChange={(e) => setSource(e.target.value || null)}>
            <option value="">all sources</option>
            {facets.sources.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        )}
        {facets.nodes.length > 0 && (
          <select className="input input-small" aria-label="Filter by node" data-testid="log-filter-node" value={node ?? ''} onChange={(e) => setNode(e.target.value || null)}>
            <option value="">all nodes</option>
            {facets.nodes.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        )}
        <label className="checkbox small">
          <input type="checkbox" checked={showDebug} onChange={(e) => setShowDebug(e.target.checked)} />
          <span>debug{!showDebug && debugCount > 0 ? ` (${debugCount} hidden)` : ''}</span>
        </label>
        {!following && (
          <button type="button" className="btn btn-small" data-testid="log-follow" onClick={() => setFollowing(true)}>
            Jump to latest ↓
          </button>
        )}
      </div>
      <div className={`log-scroll${compact ? ' log-scroll-compact' : ''}`} ref={scrollRef} onScroll={onScroll} role="log" aria-live="off" tabIndex={0}>
        {rows.length === 0 ? (
          <div className="log-empty muted">
            {events.length > 0 ? 'No event matches the filter.' : live ? 'Waiting for the first event…' : 'This run recorded no events.'}
          </div>
        ) : (
          <div className="log-canvas" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const e = rows[item.index]!;
              return (
                <div
                  key={e.seq}
                  className={`log-row log-${e.level}${selected === e.seq ? ' log-row-selected' : ''}`}
                  style={{ transform: `translateY(${item.start}px)` }}
                  data-seq={e.seq}
                  onClick={() => setSelected(selected === e.seq ? null : e.seq)}
                >
                  <span className="log-time">{formatClock(e.at)}</span>
                  <SourceBadge source={e.source} />
                  <span className="log-node">{e.node ?? ''}</span>
                  <LevelTag level={e.level} />
                  <span className="log-kind">{e.kind}</span>
                  <span className="log-msg">{eventMessage(e)}</span>
                </div>
              );
            })}
          </div>
        )}
      </div>
      {selectedEvent && (
        <div className="log-detail">
          <div className="log-detail-head">
            <span className="mono small">
              #{selectedEvent.seq} · {selectedEvent.at}
            </span>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setSelected(null)}>
              Close
            </button>
          </div>
          <pre className="mono">{eventDetail(selectedEvent)}</pre>
        </div>
      )}
    </section>
  );
}
