/**
 * kc.sh's own words during the pre-flight check, line by line as they
 * arrive (run events with source `kcsh`). Short enough to render whole; it
 * follows the end while the check runs, like a terminal would.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { RunEvent } from '../../../../shared/contract/index.ts';

const MAX_LINES = 2_000;

/** The kc.sh output panel. */
export function KcshOutput({ events, live }: { events: readonly RunEvent[]; live: boolean }) {
  const [showDebug, setShowDebug] = useState(false);
  const all = useMemo(() => events.filter((e) => e.source === 'kcsh'), [events]);
  const lines = useMemo(() => (showDebug ? all : all.filter((e) => e.level !== 'debug')).slice(-MAX_LINES), [all, showDebug]);
  const hidden = all.length - (showDebug ? all.length : all.filter((e) => e.level !== 'debug').length);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (el && live) el.scrollTop = el.scrollHeight;
  }, [lines.length, live]);

  return (
    <div className="kcsh-output" data-testid="preflight-log">
      <div className="kcsh-head small">
        <span className="strong">kc.sh output</span>
        <span className="muted">{lines.length} lines</span>
        {live && <span className="live-dot" title="Receiving live output" />}
        <span className="spacer" />
        {hidden > 0 || showDebug ? (
          <label className="checkbox small">
            <input type="checkbox" checked={showDebug} onChange={(e) => setShowDebug(e.target.checked)} />
            <span>metadata document{!showDebug ? ` (${hidden} lines hidden)` : ''}</span>
          </label>
        ) : null}
      </div>
      <div className="kcsh-lines mono" ref={box} role="log" tabIndex={0}>
        {lines.length === 0 ? (
          <div className="muted">{live ? 'Waiting for kc.sh…' : 'kc.sh printed nothing.'}</div>
        ) : (
          lines.map((e) => (
            <div key={e.seq} className={`kcsh-line kcsh-${e.level}`}>
              {e.node && <span className="kcsh-node">{e.node}</span>}
              {typeof e.data.line === 'string' ? e.data.line : typeof e.data.message === 'string' ? e.data.message : e.kind}
            </div>
          ))
        )}
      </div>
    </div>
  );
}
