/**
 * One strategy as the planner describes it: whether it is possible (and
 * why), expected downtime, its steps, the backup it needs and its way back.
 * A strategy the planner allows but this Keyturn cannot execute yet says so
 * plainly instead of pretending.
 */
import type { Strategy, StrategyName } from '../../../../shared/contract/index.ts';
import { Badge } from '../../components/Badges.tsx';
import { sentence } from '../../lib/text.ts';

/** Strategies this version of the engine can run (`upgrade:start` takes rolling or auto only). */
export const runnableStrategies: ReadonlySet<StrategyName> = new Set<StrategyName>(['rolling']);

/** Whether the card can be chosen and started. */
export function canStart(s: Strategy): boolean {
  return s.available && runnableStrategies.has(s.name);
}

interface StrategyCardProps {
  strategy: Strategy;
  selected: boolean;
  onSelect: () => void;
}

/** A selectable strategy card. */
export function StrategyCard({ strategy: s, selected, onSelect }: StrategyCardProps) {
  const runnable = runnableStrategies.has(s.name);
  const startable = canStart(s);
  return (
    <label
      className={`strategy-card${selected ? ' strategy-selected' : ''}${startable ? '' : ' strategy-unavailable'}`}
      data-testid={`strategy-card-${s.name}`}
      data-available={s.available}
      data-runnable={runnable}
      data-recommended={s.recommended}
    >
      <div className="strategy-head">
        <input type="radio" name="strategy" checked={selected} onChange={onSelect} disabled={!s.available && !s.recommended} />
        <span className="strategy-name">{s.name}</span>
        {s.recommended && <Badge tone="info" testId={`strategy-recommended-${s.name}`}>recommended</Badge>}
        <span className="spacer" />
        {!s.available ? <Badge tone="muted">not possible</Badge> : !runnable ? <Badge tone="warn">not in this Keyturn</Badge> : <Badge tone="ok">available</Badge>}
      </div>
      <p className="strategy-why small">{s.why}</p>
      {s.available && !runnable && <p className="small text-warn" data-testid={`strategy-unsupported-${s.name}`}>Not available in this version of Keyturn: only rolling upgrades can be started here.</p>}
      <dl className="kv small strategy-facts">
        <dt>Downtime</dt>
        <dd className={s.downtime.seconds > 0 ? 'text-warn strong' : 'text-ok strong'}>{s.downtime.text}</dd>
        <dt>Backup</dt>
        <dd>
          {s.backup.required ? 'Required' : 'Optional'}: {sentence(s.backup.what)}
          <div className="muted">{sentence(s.backup.why)}</div>
        </dd>
        <dt>Way back</dt>
        <dd>
          {sentence(s.rollback.summary)}
          <div className="muted">Downtime: {sentence(s.rollback.downtime.text)}</div>
          <div className="muted">Loses: {sentence(s.rollback.dataLoss)}</div>
        </dd>
      </dl>
      {s.steps.length > 0 && (
        <details className="small">
          <summary className="muted">{s.steps.length} steps</summary>
          <ol className="plan-steps">
            {s.steps.map((st, i) => (
              <li key={i}>
                {st.title}
                {st.node && <span className="mono muted"> · {st.node}</span>}
              </li>
            ))}
          </ol>
        </details>
      )}
    </label>
  );
}
