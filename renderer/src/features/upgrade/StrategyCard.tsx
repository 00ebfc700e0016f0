/**
 * One strategy as the planner describes it: whether it is possible (and
 * why), expected downtime, its steps, the backup it needs and its way back.
 * Whether Keyturn can run it is main's answer (`executable`, with its why):
 * the card shows it and decides nothing itself. A recreate is a full
 * outage, so its predicted downtime leads the card, with where the
 * prediction comes from (this cluster's history or a stated default).
 */
import type { Strategy } from '../../../../shared/contract/index.ts';
import { Badge } from '../../components/Badges.tsx';
import { sentence } from '../../lib/text.ts';
import { formatSeconds } from '../../lib/time.ts';

/** Whether the card can be chosen and started: main said it can run for this plan. */
export function canStart(s: Strategy): boolean {
  return s.available && s.executable;
}

interface StrategyCardProps {
  strategy: Strategy;
  selected: boolean;
  onSelect: () => void;
}

/** A selectable strategy card. */
export function StrategyCard({ strategy: s, selected, onSelect }: StrategyCardProps) {
  const runnable = s.executable;
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
        {!s.available ? <Badge tone="muted">not possible</Badge> : !runnable ? <Badge tone="warn">cannot run</Badge> : <Badge tone="ok">available</Badge>}
      </div>
      <p className="strategy-why small">{s.why}</p>
      {s.available && !runnable && <p className="small text-warn" data-testid={`strategy-unsupported-${s.name}`}>{s.executableWhy}</p>}
      {s.name === 'recreate' && (
        <div className="strategy-downtime" data-testid={`strategy-downtime-${s.name}`}>
          <span className="strategy-downtime-figure mono" data-testid={`strategy-downtime-seconds-${s.name}`}>
            ≈ {formatSeconds(s.downtime.seconds)}
          </span>
          <span className="strategy-downtime-label small">predicted downtime: every node stops, clients get 503 with Retry-After</span>
        </div>
      )}
      <dl className="kv small strategy-facts">
        <dt>Downtime</dt>
        <dd className={s.downtime.seconds > 0 ? 'text-warn strong' : 'text-ok strong'} data-testid={`strategy-downtime-text-${s.name}`}>
          {s.downtime.text}
        </dd>
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
