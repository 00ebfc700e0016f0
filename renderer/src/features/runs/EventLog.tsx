/**
 * The run's event log, virtualized so a 50 000-line Terraform + Ansible run
 * scrolls as smoothly as a 50-line one. It follows new events while the
 * operator is at the bottom and stops following as soon as they scroll up
 * (a "Jump to latest" button brings it back). Clicking a line shows the
 * whole event.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { RunEvent } from '../../../../shared/contract/index.ts';
import { LevelTag, SourceBadge } from '../../components/Badges.tsx';
import { formatClock } from '../../lib/time.ts';
import { eventDetail, eventMessage } from './event-format.ts';

const ROW_HEIGHT = 22;
/** Within this many pixels of the bottom counts as "at the bottom". */
const FOLLOW_SLACK = ROW_HEIGHT * 2;

/** Virtualized log with follow mode, a debug toggle and a detail pane. */
export function EventLog({ events, live }: { events: RunEvent[]; live: boolean }) {
  const [showDebug, setShowDebug] = useState(false);
  const [following, setFollowing] = useState(true);
  const [selected, setSelected] = useState<number | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);

  const rows = useMemo(() => (showDebug ? events : events.filter((e) => e.level !== 'debug')), [events, showDebug]);
  const debugCount = events.length - rows.length;

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
        <h2 className="panel-title">Log</h2>
        <span className="muted small">
          {rows.length} event{rows.length === 1 ? '' : 's'}
          {live && <span className="live-dot" title="Receiving live events" />}
        </span>
        <span className="spacer" />
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
      <div className="log-scroll" ref={scrollRef} onScroll={onScroll} role="log" aria-live="off" tabIndex={0}>
        {rows.length === 0 ? (
          <div className="log-empty muted">{live ? 'Waiting for the first event…' : 'This run recorded no events.'}</div>
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
