/**
 * Step 3: how to get there. The planner's strategies as cards, the
 * recommended one pre-selected and marked; only a strategy this Keyturn can
 * execute (main's `executable`) lets the wizard go on. Optional canary, for
 * rolling only: pause after the first node so the operator can look at it
 * before the rest follow. For blue/green instead: the promotion (manual or
 * automatic), the write freeze and the session policy, which go into the
 * plan request.
 */
import type { Plan } from '../../../../shared/contract/index.ts';
import { CanaryToggle } from './CanaryToggle.tsx';
import { BlueGreenChoices, choicesMatchPlan } from './BlueGreenChoices.tsx';
import { StrategyCard, canStart } from './StrategyCard.tsx';
import { useWizardStore, type WizardDraft } from './wizard-store.ts';

/** The Strategy step for a computed plan. */
export function StrategyStep({ cluster, draft, plan, nodeCount, canFreeze = false }: { cluster: string; draft: WizardDraft; plan: Plan; nodeCount: number; canFreeze?: boolean }) {
  const update = useWizardStore((s) => s.update);
  const selectedName = draft.strategy ?? plan.recommended;
  const selected = plan.strategies.find((s) => s.name === selectedName) ?? null;
  const blueGreen = selected?.name === 'blue-green';
  // The run does what the plan says: a promotion, freeze or session choice other than the plan's needs a new plan first.
  const promoteOk = !blueGreen || choicesMatchPlan(draft, plan);
  const ok = selected !== null && canStart(selected) && promoteOk;

  return (
    <section className="panel wizard-panel" data-testid="wizard-strategy">
      <h2 className="panel-title">Strategy</h2>
      <p className="recommendation">{plan.recommendation}</p>
      <div className="strategy-grid" role="radiogroup" aria-label="Strategy">
        {plan.strategies.map((s) => (
          <StrategyCard key={s.name} strategy={s} selected={s.name === selectedName} onSelect={() => update(cluster, { strategy: s.name })} />
        ))}
      </div>

      {blueGreen && canStart(selected) ? (
        <BlueGreenChoices cluster={cluster} draft={draft} plan={plan} canFreeze={canFreeze} />
      ) : (
        <CanaryToggle strategy={selected} nodeCount={nodeCount} checked={draft.canary} onChange={(on) => update(cluster, { canary: on })} />
      )}

      <div className="wizard-actions">
        <button type="button" className="btn" onClick={() => update(cluster, { step: 'preflight' })}>
          Back
        </button>
        <span className="spacer" />
        {!ok && (
          <span className="small text-warn" data-testid="strategy-blocked">
            {selected === null
              ? 'Keycloak allows no strategy for this change.'
              : canStart(selected) && !promoteOk
                ? 'Plan again with the choices you made first.'
                : !selected.available
                ? `${selected.name} is not possible for this change.`
                : `${selected.name} cannot run: ${selected.executableWhy}`}
          </span>
        )}
        <button type="button" className="btn btn-primary" data-testid="wizard-next" disabled={!ok} onClick={() => update(cluster, { strategy: selectedName, step: 'backup' })}>
          Next: backup
        </button>
      </div>
    </section>
  );
}
