/**
 * What a rollback costs, said before the typed confirmation that allows it:
 * the downtime, the writes it loses, and each counted loss on its own line
 * (users by name, events, sessions), because "every write since the backup"
 * means nothing at 3 a.m. until it names the user who signed up ten minutes
 * ago. The predicted outage comes with its basis (recorded steps or
 * defaults) so the operator can judge it, and a restore says what happens to
 * the sessions it brings back (and lets the operator choose). Only main
 * counts; this shows what `rollback:plan` said.
 */
import type { CallInput, RollbackPlan, SessionPolicy } from '../../../../../shared/contract/index.ts';
import { formatSeconds } from '../../../lib/time.ts';
import { sessionPolicies, sessionPolicyWords } from './session-policy.ts';

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

/**
 * What the confirm button sends: a restore carries the session policy shown
 * (the operator's choice, else the plan's default), so what runs is what was
 * read; other modes restore nothing and send none.
 */
export function rollbackStartInput(cluster: string, p: Pick<RollbackPlan, 'sessionPolicy'>, chosen: SessionPolicy | null): CallInput<'rollback:start'> {
  const sessionPolicy = p.sessionPolicy ? (chosen ?? p.sessionPolicy) : null;
  return { cluster, confirm: true, ...(sessionPolicy ? { sessionPolicy } : {}) };
}

interface RollbackCostProps {
  plan: RollbackPlan;
  /** The session policy chosen for a restore; the plan's own when not given. */
  sessionPolicy?: SessionPolicy;
  /** Given: the restore's session policy is a choice (a select), else only said. */
  onSessionPolicy?: (policy: SessionPolicy) => void;
  disabled?: boolean;
}

function Sessions({ planned, chosen, onChange, disabled }: { planned: SessionPolicy; chosen: SessionPolicy; onChange: ((policy: SessionPolicy) => void) | undefined; disabled: boolean }) {
  return (
    <>
      {onChange ? (
        <select
          className="input input-small mono"
          aria-label="Session policy of the restore"
          data-testid="rollback-session-policy-select"
          value={chosen}
          disabled={disabled}
          onChange={(e) => onChange(sessionPolicies.find((x) => x === e.target.value) ?? planned)}
        >
          {sessionPolicies.map((x) => (
            <option key={x} value={x}>
              {x === planned ? `${x} (default)` : x}
            </option>
          ))}
        </select>
      ) : (
        <span className="mono">{chosen}</span>
      )}
      <div className={`small${chosen === 'keep-all' ? ' text-warn' : ''}`} data-testid="rollback-session-policy">
        {sessionPolicyWords(chosen)}
      </div>
    </>
  );
}

/** The cost block: downtime and its prediction, lost writes and the counted losses one per line, and a restore's session policy. */
export function RollbackCost({ plan: p, sessionPolicy, onSessionPolicy, disabled = false }: RollbackCostProps) {
  const outage = outageModes.has(p.mode);
  return (
    <section className={`rollback-cost${outage ? ' rollback-cost-outage' : ''}`} data-testid="rollback-cost" aria-label="What this rollback costs">
      <h3 className="wizard-subtitle">What it costs</h3>
      <dl className="kv kv-wide">
        <dt>Downtime</dt>
        <dd className={outage ? 'text-bad strong' : ''} data-testid="rollback-downtime">
          {p.downtime}
        </dd>
        {p.predictedDowntimeSeconds !== null && (
          <>
            <dt>Predicted</dt>
            <dd data-testid="rollback-predicted">
              <strong>about {formatSeconds(p.predictedDowntimeSeconds)}</strong>
              {p.predictedDowntimeBasis && <span className="muted small" data-testid="rollback-predicted-basis"> — {p.predictedDowntimeBasis}</span>}
            </dd>
          </>
        )}
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
        {p.sessionPolicy && (
          <>
            <dt>Sessions</dt>
            <dd>
              <Sessions planned={p.sessionPolicy} chosen={sessionPolicy ?? p.sessionPolicy} onChange={onSessionPolicy} disabled={disabled} />
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}
