/**
 * Keycloak's answer, explained: the exit code (the only thing the decision
 * rests on), the verdict, why (each reason names the option, feature or
 * version it is about) and which options the target changes.
 */
import type { Plan } from '../../../../shared/contract/index.ts';
import { Badge } from '../../components/Badges.tsx';
import { formatAge } from '../../lib/time.ts';

const verdictTone = { rolling: 'ok', recreate: 'warn', 'rolling-disabled': 'warn', error: 'bad' } as const;
const verdictText = {
  rolling: 'rolling update possible',
  recreate: 'recreate needed (all nodes stop together)',
  'rolling-disabled': 'rolling updates feature disabled',
  error: 'check failed',
} as const;

/** The plan's check result, reasons and option changes. */
export function PlanResult({ plan }: { plan: Plan }) {
  const c = plan.check;
  return (
    <div className="plan-result" data-testid="preflight-result" data-verdict={c.verdict}>
      <div className="verdict-line">
        <div className={`exit-code exit-${verdictTone[c.verdict]}`}>
          <span className="small muted">exit code</span>
          <span className="mono" data-testid="preflight-exit-code">
            {c.exitCode}
          </span>
        </div>
        <div className="verdict-text">
          <Badge tone={verdictTone[c.verdict]} testId="preflight-verdict">
            {c.verdict}
          </Badge>
          <div className="strong">{verdictText[c.verdict]}</div>
          <div className="muted small">
            {plan.from} → {plan.to} ({plan.change.label}) · check {(c.durationMs / 1000).toFixed(1)} s, {c.scratch === 'answered' ? `answered by the identical check at ${c.answeredAt ?? '?'}` : `${c.scratch} scratch copy`} · metadata from{' '}
            {c.metadataSource === 'node' ? `node ${c.metadataNode ?? ''}` : 'a local run'}, {formatAge(c.metadataTakenAt)}
          </div>
        </div>
      </div>
      <p className="recommendation">{plan.recommendation}</p>

      <h3 className="wizard-subtitle">Reasons</h3>
      <ul className="reasons" data-testid="preflight-reasons">
        {plan.reasons.length === 0 ? (
          <li className="muted small">None: Keycloak found nothing against a rolling update.</li>
        ) : (
          plan.reasons.map((r, i) => (
            <li key={i} className={`reason${r.forcesRecreate ? ' reason-blocking' : ''}`} data-testid={`preflight-reason-${r.kind}`}>
              <Badge tone={r.forcesRecreate ? 'warn' : 'neutral'}>{r.kind}</Badge>
              <span className="mono strong">{r.subject}</span>
              {(r.from !== null || r.to !== null) && (
                <span className="mono muted small">
                  {r.from ?? '∅'} → {r.to ?? '∅'}
                </span>
              )}
              <span className="reason-msg">{r.message}</span>
              {r.forcesRecreate && <span className="small text-warn">rules out rolling</span>}
            </li>
          ))
        )}
      </ul>

      {plan.options.changed.length > 0 && (
        <>
          <h3 className="wizard-subtitle">Option changes</h3>
          <table className="table table-compact" data-testid="preflight-options">
            <thead>
              <tr>
                <th>Option</th>
                <th>Now</th>
                <th>Target</th>
              </tr>
            </thead>
            <tbody>
              {plan.options.changed.map((o) => (
                <tr key={o.key}>
                  <td className="mono">{o.key}</td>
                  <td className="mono">{o.from ?? <span className="muted">unset</span>}</td>
                  <td className="mono">{o.to ?? <span className="muted">unset</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <details className="small">
        <summary className="muted">Command as run</summary>
        <pre className="mono command">{c.command.join(' ')}</pre>
      </details>
    </div>
  );
}
