/**
 * The wait between two polls (HAProxy draining, Keycloak readiness).
 *
 * Why it resolves instead of rejecting on abort: each poller throws its own
 * 'aborted' error naming what it was waiting for and what state it leaves
 * behind, so the pause only has to end early and let the caller re-check its
 * signal.
 */

/** setTimeout that an abort cuts short; never rejects (the caller re-checks the signal). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
