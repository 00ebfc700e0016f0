/**
 * Status badges. Colour is never the only signal (the word is always there),
 * and the same status has the same colour on every screen.
 */
import type { ReactNode } from 'react';
import type { EventLevel, EventSource, RunStatus } from '../../../shared/contract/index.ts';

type Tone = 'neutral' | 'ok' | 'warn' | 'bad' | 'info' | 'muted';

/** A small pill with a tone. */
export function Badge({ tone, children, title, testId }: { tone: Tone; children: ReactNode; title?: string; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title} data-testid={testId}>
      {children}
    </span>
  );
}

const runTone: Record<RunStatus, Tone> = {
  pending: 'muted',
  running: 'info',
  paused: 'warn',
  succeeded: 'ok',
  failed: 'bad',
  aborted: 'warn',
  interrupted: 'bad',
};

/** Run status (pending … interrupted). Unknown strings from newer ledgers render neutral. */
export function RunStatusBadge({ status }: { status: string }) {
  const tone = runTone[status as RunStatus] ?? 'neutral';
  return (
    <Badge tone={tone}>
      {status === 'running' && <span className="pulse" aria-hidden="true" />}
      {status}
    </Badge>
  );
}

const stepTone: Record<string, Tone> = { pending: 'muted', running: 'info', succeeded: 'ok', failed: 'bad', skipped: 'neutral' };

/** Step status. */
export function StepStatusBadge({ status }: { status: string }) {
  return <Badge tone={stepTone[status] ?? 'neutral'}>{status}</Badge>;
}

const healthTone: Record<string, Tone> = { unknown: 'muted', ready: 'ok', degraded: 'warn', down: 'bad' };

/** Cluster health as last probed by main. */
export function HealthBadge({ health, title }: { health: string; title?: string }) {
  return (
    <Badge tone={healthTone[health] ?? 'neutral'} title={title}>
      <span className={`dot dot-${healthTone[health] ?? 'neutral'}`} aria-hidden="true" />
      {health}
    </Badge>
  );
}

/** Environment; production is loud on purpose, it is the one you must not get wrong. */
export function EnvBadge({ environment }: { environment: string }) {
  const tone: Tone = environment === 'production' ? 'warn' : environment === 'staging' ? 'info' : 'neutral';
  return <Badge tone={tone}>{environment}</Badge>;
}

/** Which program an event came from. */
export function SourceBadge({ source }: { source: EventSource | string }) {
  return <span className={`src src-${source}`}>{source}</span>;
}

/** Log level as a fixed-width tag. */
export function LevelTag({ level }: { level: EventLevel | string }) {
  return <span className={`lvl lvl-${level}`}>{level}</span>;
}
