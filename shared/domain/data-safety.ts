/**
 * A run's data safety, read back from its own events: where the copy was
 * taken (clone point: blue/green's backup, or the backup a restore rollback
 * brings back), how long the window until the switch (or the restore's swap)
 * lasted (or has lasted so far), whether writes were frozen meanwhile, and what the side
 * being left took that the copy lacks. `keyturn runs show --json` and the
 * console read the same answer; it is derived, never stored twice, so it
 * cannot disagree with the events the run recorded.
 */
import type { LostWriteChange, LostWrites } from '../contract/backups.ts';
import type { DataSafety, RunEvent } from '../contract/runs.ts';

/** The event kinds the answer is made of (a caller may load only these). */
export const dataSafetyEventKinds = ['backup.clone-point', 'freeze.on', 'freeze.off', 'traffic.switched', 'promotion.lost-writes', 'rollback.planned', 'backup.restored'] as const;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Null for a run that moves no data across a copy (rolling, recreate, a
 * plan). `nowIso` bounds an open window while the run still runs.
 */
export function dataSafetyOf(events: readonly Pick<RunEvent, 'kind' | 'at' | 'level' | 'data'>[], running: boolean, nowIso: string): DataSafety | null {
  const last = (kind: string) => [...events].reverse().find((e) => e.kind === kind) ?? null;
  const first = (kind: string) => events.find((e) => e.kind === kind) ?? null;
  const clone = last('backup.clone-point');
  const planned = last('rollback.planned');
  if (!clone && !(planned && (planned.data.mode === 'restore' || planned.data.mode === 'switch-back'))) return null;

  // A restore rollback's copy is its backup (taken at backupTakenAt); clients reach it when the restore swapped the databases.
  const restore = !clone && planned?.data.mode === 'restore';
  const clonePoint = restore ? str(planned.data.backupTakenAt) : str(clone?.data.clonePoint);
  const clonePointLsn = restore ? str(planned.data.backupWalLsn) : str(clone?.data.walLsn);
  const switched = restore ? first('backup.restored') : first('traffic.switched');
  const switchedAt = switched ? (restore ? switched.at : str(switched.data.at) ?? switched.at) : null;
  const end = switchedAt ?? (running ? nowIso : null);
  const windowMs = clonePoint && end ? Math.max(0, Date.parse(end) - Date.parse(clonePoint)) : null;

  const on = first('freeze.on');
  const off = last('freeze.off');
  const freeze = { on: on !== null, from: on ? str(on.data.at) ?? on.at : null, until: off ? str(off.data.at) ?? off.at : null };

  const lw = last('promotion.lost-writes');
  const lostWrites = lw
    ? {
      counted: lw.level !== 'warn',
      text: str(lw.data.message) ?? '',
      users: num((lw.data.users as { count?: unknown } | undefined)?.count),
      adminEvents: num(lw.data.adminEvents),
      events: num(lw.data.events),
      changes: Array.isArray(lw.data.changes) ? (lw.data.changes as LostWriteChange[]) : [],
      changesNotListed: num(lw.data.changesNotListed) ?? 0,
      uncounted: Array.isArray(lw.data.uncounted) ? (lw.data.uncounted as string[]) : [],
    }
    : planned
      ? { counted: true, text: str(planned.data.lostWrites) ?? '', users: null, adminEvents: null, events: null, changes: [], changesNotListed: 0, uncounted: [], lines: Array.isArray(planned.data.lostWriteLines) ? (planned.data.lostWriteLines as string[]) : [] }
      : null;
  const sessions = lw && lw.data.sessions && typeof lw.data.sessions === 'object' ? (lw.data.sessions as { online: number; offline: number }) : null;
  return { clonePoint, clonePointLsn, switchedAt, windowMs, freeze, lostWrites, sessions };
}

/**
 * The data safety of a rollback before it runs (`rollback --plan`): the
 * point its data goes back to, the window from there until now, and what
 * the count found, in the shape `dataSafetyOf` gives a run afterwards.
 * `count` is null when the count failed; `summary` then says why.
 */
export function plannedDataSafety(point: { at: string; lsn: string | null }, nowIso: string, count: LostWrites | null, summary: string, lines: string[]): DataSafety {
  return {
    clonePoint: point.at,
    clonePointLsn: point.lsn,
    switchedAt: null,
    windowMs: Math.max(0, Date.parse(nowIso) - Date.parse(point.at)),
    freeze: { on: false, from: null, until: null },
    lostWrites: {
      counted: count !== null,
      text: summary,
      users: count?.users.count ?? null,
      adminEvents: count?.adminEvents ?? null,
      events: count?.events ?? null,
      changes: count?.changes ?? [],
      changesNotListed: count?.changesNotListed ?? 0,
      uncounted: count?.uncounted ?? [],
      lines,
    },
    sessions: count?.sessions ?? null,
  };
}
