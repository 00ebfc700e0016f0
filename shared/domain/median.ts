/**
 * The median of measured durations (the upper middle of an even count): one
 * definition for every prediction made from a cluster's own history (the
 * recreate plan's stop and start, a restore rollback's pg_restore), so the
 * same records never predict two different figures. Null when nothing was measured.
 */
export function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
