/** A quiet placeholder while a read is in flight; no spinners flashing on fast IPC. */

/** Muted "Loading …" line with a delayed fade-in (CSS) so sub-200 ms loads show nothing. */
export function Loading({ what }: { what: string }) {
  return (
    <div className="loading" role="status">
      Loading {what}…
    </div>
  );
}
