/**
 * The data window of a run that moves clients onto a copy: from the clone
 * point (the backup the copy holds) to the switch, every write the side
 * being left accepts is one the copy lacks. A restore rollback has the same
 * window, from its backup to the restore that swaps the databases. While the run goes the window's
 * clock ticks, so an operator waiting at the promotion gate sees how long
 * the exposure has lasted; after the switch it stands still at its length.
 * Beside it: whether writes were frozen meanwhile, and what the gate counted.
 * Read from the run's own events through the same function as
 * `keyturn runs show --json` (shared/domain/data-safety.ts).
 */
import { dataSafetyOf } from '../../../../../shared/domain/data-safety.ts';
import type { DataSafety, RunEvent } from '../../../../../shared/contract/index.ts';
import { formatClock, formatCounter } from '../../../lib/time.ts';
import { useNow } from '../../../lib/use-now.ts';

interface DataWindowProps {
  events: readonly RunEvent[];
  /** The run still goes: an open window runs until now. */
  live: boolean;
  /** Blue/green's clone and switch, or a restore rollback's backup and swap. */
  kind: 'blue-green' | 'restore';
  /** The colour being left (whose writes after the clone point the copy lacks). */
  serving: string | null;
}

/** Ticks once a second while live. */
export function DataWindow(props: DataWindowProps) {
  const now = useNow(props.live ? 1_000 : 60_000);
  return <DataWindowView {...props} nowMs={now} />;
}

/** The panel for a given time (the pure part, tested without a clock). */
export function DataWindowView({ events, live, kind, serving, nowMs }: DataWindowProps & { nowMs: number }) {
  const d = dataSafetyOf(events, live, new Date(nowMs).toISOString());
  if (!d || !d.clonePoint) return null;
  const open = d.switchedAt === null;
  const restore = kind === 'restore';
  const label = restore
    ? open ? (live ? 'since the backup' : 'from the backup to the end of the run') : 'from the backup to the restore'
    : open ? (live ? 'since the clone point' : 'from the clone point to the end of the run') : 'from the clone point to the switch';
  return (
    <section className={`panel panel-tight data-window${open && live ? ' data-window-open' : ''}`} data-testid="data-window" data-open={open ? 'true' : 'false'}>
      <div className="downtime-clock">
        <span className="downtime-clock-value mono" data-testid="data-window-clock">
          {d.windowMs === null ? '—' : formatCounter(d.windowMs)}
        </span>
        <span className="downtime-clock-label small">{label}</span>
      </div>
      {restore ? (
        <div className="small">
          <div data-testid="data-window-clone-point">
            Backup {formatClock(d.clonePoint)}{d.clonePointLsn ? ` (WAL ${d.clonePointLsn})` : ''}: the restore brings the data back as it was then{open ? '' : `; restored at ${formatClock(d.switchedAt!)}`}.
          </div>
          <div data-testid="data-window-freeze">Writes since the backup stay only in the migrated database, which the restore keeps under a dated name.</div>
          {d.lostWrites?.text && <div data-testid="data-window-lost">Counted before the confirmation: {d.lostWrites.text}</div>}
        </div>
      ) : (
        <div className="small">
          <div data-testid="data-window-clone-point">
            Clone point {formatClock(d.clonePoint)}{d.clonePointLsn ? ` (WAL ${d.clonePointLsn})` : ''}: the copy holds the data as it was then{open ? '' : `; traffic switched at ${formatClock(d.switchedAt!)}`}.
          </div>
          <div data-testid="data-window-freeze">Writes on {serving ?? 'the serving side'}: {freezeWords(d, serving ?? 'the serving side')}.</div>
          {d.lostWrites?.text && <div data-testid="data-window-lost">Counted at the gate: {d.lostWrites.text}</div>}
        </div>
      )}
    </section>
  );
}

function freezeWords(d: DataSafety, side: string): string {
  if (!d.freeze.on) return `not frozen: writes on ${side} after the clone point are not in the copy`;
  const from = formatClock(d.freeze.from ?? d.clonePoint!);
  return d.freeze.until ? `frozen from ${from} to ${formatClock(d.freeze.until)}` : `frozen since ${from}: admin changes, the account console, registration and password reset get 503; sign-in and tokens work`;
}
