/**
 * Run events: persisted first, then pushed to whoever listens (IPC windows,
 * bridge sockets, the CLI's progress printer). A listener that throws never
 * stops the others or the run.
 */
import type { RunEvent } from '../../shared/contract/index.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { appendEvent } from '../ledger/runs-repo.ts';
import type { Redactor } from '../tools/redact.ts';

export type EventListener = (e: RunEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  /** Subscribes; the returned function unsubscribes (a disposable). */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: RunEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a broken listener (closed socket, destroyed window) must not break the run
      }
    }
  }
}

/**
 * Persists an event and then emits it. The redactor is required: the ledger
 * redacts the data (strings, and values under secret-looking keys) before it
 * is stored, and what is emitted is exactly what was stored.
 */
export function recordEvent(db: Ledger, bus: EventBus, e: Omit<RunEvent, 'seq' | 'at'>, redact: Redactor): RunEvent {
  const stored = appendEvent(db, e, redact);
  bus.emit(stored);
  return stored;
}
