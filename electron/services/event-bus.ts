/**
 * Run events: persisted first, then pushed to whoever listens (IPC windows,
 * bridge sockets, the CLI's progress printer). A listener that throws never
 * stops the others or the run.
 */
import type { RunEvent } from '../../shared/contract/index.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { appendEvent } from '../ledger/runs-repo.ts';

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

/** The redaction applied to every event before it is stored; set per run with its secrets. */
export type Redact = (s: string) => string;

function redactDeep(v: unknown, redact: Redact): unknown {
  if (typeof v === 'string') return redact(v);
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, redact));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactDeep(x, redact)]));
  return v;
}

/** Persists an event (redacted) and then emits it. */
export function recordEvent(db: Ledger, bus: EventBus, e: Omit<RunEvent, 'seq' | 'at'>, redact?: Redact): RunEvent {
  const data = redact ? (redactDeep(e.data, redact) as Record<string, unknown>) : e.data;
  const stored = appendEvent(db, { ...e, data });
  bus.emit(stored);
  return stored;
}
