/**
 * Blue/green's promotion, chosen in the Strategy step: manual (the run pauses
 * at the promotion gate until the operator presses "Promote") or automatic
 * (it switches once the new colour passed its checks). The plan writes the
 * choice into its promotion gate and the run does exactly what the plan
 * says, so a different choice is a new plan request (`plan:start` with
 * `promote`), never a flag on the run.
 */
import type { Plan, PlanStep } from '../../../../shared/contract/index.ts';
import { useStartPlan } from '../../api/use-plan.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { editsToPlanInput, planKey } from './plan-edits.ts';
import { useWizardStore, type WizardDraft } from './wizard-store.ts';

export type Promote = 'manual' | 'auto';

/** The promotion the plan's blue/green steps carry (its promotion gate), or null when the plan has none. */
export function plannedPromote(plan: Pick<Plan, 'strategies'>): Promote | null {
  const gate: PlanStep | undefined = plan.strategies.find((s) => s.name === 'blue-green')?.steps.find((s) => s.kind === 'promotion.gate');
  const p = gate?.params?.promote;
  return p === 'manual' || p === 'auto' ? p : null;
}

/** The colour the plan builds (its steps' `colour` param), for the words. */
export function plannedColour(plan: Pick<Plan, 'strategies'>): string | null {
  const c = plan.strategies.find((s) => s.name === 'blue-green')?.steps[0]?.params?.colour;
  return c === 'blue' || c === 'green' ? c : null;
}

/** What the draft asks for, or what the plan already says when the operator has not chosen. */
export const wantedPromote = (draft: Pick<WizardDraft, 'promote'>, plan: Pick<Plan, 'strategies'>): Promote | null => draft.promote ?? plannedPromote(plan);

/** Whether the plan on screen promotes the way the operator chose (only then may the wizard go on). */
export const promoteMatchesPlan = (draft: Pick<WizardDraft, 'promote'>, plan: Pick<Plan, 'strategies'>): boolean => wantedPromote(draft, plan) === plannedPromote(plan);

const words: Record<Promote, (colour: string) => string> = {
  manual: (c) => `Manual: the run pauses at the promotion gate once ${c} passed its checks; nothing switches until you press "Promote ${c}".`,
  auto: (c) => `Automatic: traffic switches to ${c} as soon as it passed its checks; the prober still switches back on its own if it fails.`,
};

/** The choice, and "Plan again" when it differs from the plan's. */
export function PromotionChoice({ cluster, draft, plan }: { cluster: string; draft: WizardDraft; plan: Plan }) {
  const update = useWizardStore((s) => s.update);
  const again = useStartPlan();
  const planned = plannedPromote(plan);
  const wanted = wantedPromote(draft, plan);
  const colour = plannedColour(plan) ?? 'the new colour';
  if (planned === null) return null;

  const replan = () => {
    if (!draft.to || !wanted) return;
    const { input } = editsToPlanInput(cluster, draft.to, draft.edits, wanted);
    again.mutate(input, { onSuccess: ({ runId }) => update(cluster, { planRunId: runId, planKey: planKey(input), strategy: 'blue-green', promote: wanted, step: 'preflight' }) });
  };

  return (
    <fieldset className="promotion-choice" data-testid="promotion-choice" data-planned={planned}>
      <legend className="strong">Promotion of {colour}</legend>
      {(['manual', 'auto'] as const).map((p) => (
        <label key={p} className="checkbox">
          <input type="radio" name="promote" value={p} data-testid={`promote-${p}`} checked={wanted === p} onChange={() => update(cluster, { promote: p })} disabled={again.isPending} />
          <span className="small">
            {words[p](colour)}
            {planned === p && <span className="muted"> (this plan)</span>}
          </span>
        </label>
      ))}
      {wanted !== planned && (
        <div className="inline-gap" data-testid="promotion-replan">
          <span className="small text-warn">This plan promotes {planned === 'manual' ? 'manually' : 'automatically'}; the run does what the plan says.</span>
          <button type="button" className="btn btn-small btn-primary" data-testid="promotion-replan-button" onClick={replan} disabled={again.isPending}>
            {again.isPending ? 'Planning…' : `Plan again with ${wanted === 'manual' ? 'manual' : 'automatic'} promotion`}
          </button>
        </div>
      )}
      {again.isError && <ErrorPanel error={again.error} title="The plan did not start" />}
    </fieldset>
  );
}
