/**
 * What a rollback costs, said before the typed confirmation that allows it:
 * the downtime, the writes it loses, and each counted loss on its own line
 * (users by name, events, sessions), because "every write since the backup"
 * means nothing at 3 a.m. until it names the user who signed up ten minutes
 * ago. Only main counts; this shows what `rollback:plan` said.
 */
import type { RollbackPlan } from '../../../../../shared/contract/index.ts';

/** Modes that stop every node (and, for restore, replace the database): they need the cluster's name typed. */
const outageModes = new Set<RollbackPlan['mode']>(['restore', 'recreate-back']);

/** Whether the operator must type the cluster's name before the rollback may start. */
export function rollbackNeedsTyping(p: Pick<RollbackPlan, 'mode' | 'needsConfirmation'>): boolean {
  return outageModes.has(p.mode) || p.needsConfirmation;
}

/** Whether the confirm button is armed for what was typed. */
export function rollbackArmed(p: Pick<RollbackPlan, 'mode' | 'needsConfirmation'> | undefined, cluster: string, typed: string, pending: boolean): boolean {
  return p !== undefined && !pending && (!rollbackNeedsTyping(p) || typed === cluster);
}

/** What the typed confirmation is about, in one sentence. */
export function rollbackConfirmLead(mode: RollbackPlan['mode']): string {
  if (mode === 'restore') return 'This stops every node and restores the database from the backup.';
  if (mode === 'recreate-back') return 'This stops every node.';
  return 'This rolls the cluster back.';
}

/** The cost block: downtime, lost writes and the counted losses, one per line. */
export function RollbackCost({ plan: p }: { plan: RollbackPlan }) {
  const outage = outageModes.has(p.mode);
  return (
    <section className={`rollback-cost${outage ? ' rollback-cost-outage' : ''}`} data-testid="rollback-cost" aria-label="What this rollback costs">
      <h3 className="wizard-subtitle">What it costs</h3>
      <dl className="kv kv-wide">
        <dt>Downtime</dt>
        <dd className={outage ? 'text-bad strong' : ''} data-testid="rollback-downtime">
          {p.downtime}
        </dd>
        <dt>Lost writes</dt>
        <dd className={p.mode === 'restore' ? 'text-bad strong' : ''} data-testid="rollback-lost-writes">
          {p.lostWrites}
          {p.lostWriteLines.length > 0 && (
            <ul className="lost-write-lines small" data-testid="rollback-lost-write-lines">
              {p.lostWriteLines.map((line, i) => (
                <li key={i} data-testid="rollback-lost-write-line">
                  {line}
                </li>
              ))}
            </ul>
          )}
          {p.mode === 'restore' && p.lostWriteLines.length === 0 && (
            <div className="muted small" data-testid="rollback-lost-write-uncounted">
              Keyturn could not count these writes one by one; assume everything since the backup is lost.
            </div>
          )}
        </dd>
      </dl>
    </section>
  );
}
