/**
 * Blue/green's three choices, made in the Strategy step: the promotion
 * (manual: the run pauses at the promotion gate until the operator presses
 * "Promote"; automatic: it switches once the new colour passed its checks),
 * the write freeze on the serving side from the clone point to the switch,
 * and what the copy keeps of the sessions it carries. The plan writes each
 * into its steps and the run does exactly what the plan says, so a different
 * choice is a new plan request (`plan:start` with `promote`, `freeze`,
 * `sessions`), never a flag on the run.
 */
import type { Plan, PlanStep } from '../../../../shared/contract/index.ts';
import { useStartPlan } from '../../api/use-plan.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { editsToPlanInput, planKey } from './plan-edits.ts';
import { useWizardStore, type WizardDraft } from './wizard-store.ts';

export type Promote = 'manual' | 'auto';
export type Freeze = 'on' | 'off';
export type Sessions = 'keep-all' | 'drop-online' | 'drop-all';

/** The three choices together, as the plan request takes them. */
export interface BlueGreenChoice {
  promote: Promote;
  freeze: Freeze;
  sessions: Sessions;
}

const blueGreenStep = (plan: Pick<Plan, 'strategies'>, kind: string): PlanStep | undefined => plan.strategies.find((s) => s.name === 'blue-green')?.steps.find((s) => s.kind === kind);

/** The promotion the plan's blue/green steps carry (its promotion gate), or null when the plan has none. */
export function plannedPromote(plan: Pick<Plan, 'strategies'>): Promote | null {
  const p = blueGreenStep(plan, 'promotion.gate')?.params?.promote;
  return p === 'manual' || p === 'auto' ? p : null;
}

/** What the plan's blue/green steps carry for all three choices, or null when the plan has no blue/green. */
export function plannedChoices(plan: Pick<Plan, 'strategies'>): BlueGreenChoice | null {
  const promote = plannedPromote(plan);
  if (promote === null) return null;
  const sessions = blueGreenStep(plan, 'green.restore')?.params?.sessionPolicy;
  return {
    promote,
    freeze: blueGreenStep(plan, 'promotion.gate')?.params?.freeze === true ? 'on' : 'off',
    sessions: sessions === 'drop-online' || sessions === 'drop-all' ? sessions : 'keep-all',
  };
}

/** The colour the plan builds (its steps' `colour` param), for the words. */
export function plannedColour(plan: Pick<Plan, 'strategies'>): string | null {
  const c = plan.strategies.find((s) => s.name === 'blue-green')?.steps[0]?.params?.colour;
  return c === 'blue' || c === 'green' ? c : null;
}

type DraftChoices = Pick<WizardDraft, 'promote' | 'freeze' | 'sessions'>;

/** What the draft asks for, each choice falling back to what the plan already says when the operator has not chosen. */
export function wantedChoices(draft: DraftChoices, plan: Pick<Plan, 'strategies'>): BlueGreenChoice | null {
  const planned = plannedChoices(plan);
  if (!planned) return null;
  return { promote: draft.promote ?? planned.promote, freeze: draft.freeze ?? planned.freeze, sessions: draft.sessions ?? planned.sessions };
}

/** Whether the plan on screen does what the operator chose (only then may the wizard go on). */
export function choicesMatchPlan(draft: DraftChoices, plan: Pick<Plan, 'strategies'>): boolean {
  const planned = plannedChoices(plan);
  const wanted = wantedChoices(draft, plan);
  return planned !== null && wanted !== null && planned.promote === wanted.promote && planned.freeze === wanted.freeze && planned.sessions === wanted.sessions;
}

/** The draft's choices for a plan request: only those the operator made (the rest stay the planner's defaults). */
export const draftChoices = (draft: DraftChoices): Partial<BlueGreenChoice> => ({
  ...(draft.promote ? { promote: draft.promote } : {}),
  ...(draft.freeze ? { freeze: draft.freeze } : {}),
  ...(draft.sessions ? { sessions: draft.sessions } : {}),
});

const promoteWords: Record<Promote, (colour: string) => string> = {
  manual: (c) => `Manual: the run pauses at the promotion gate once ${c} passed its checks; nothing switches until you press "Promote ${c}".`,
  auto: (c) => `Automatic: traffic switches to ${c} as soon as it passed its checks; the prober still switches back on its own if it fails.`,
};

const freezeWords: Record<Freeze, (serving: string) => string> = {
  on: (s) => `On: from the clone point to the switch, ${s}'s load balancer answers admin changes, the account console, registration, password reset and required actions with 503; sign-in and tokens keep working. Nothing written is lost.`,
  off: (s) => `Off: ${s} accepts every write until the switch; writes after the clone point are counted and named at the promotion gate, and lost on the switch.`,
};

const sessionWords: Record<Sessions, (colour: string) => string> = {
  'keep-all': (c) => `Keep all: ${c} carries every session of the copy; users stay signed in across the switch.`,
  'drop-online': (c) => `Drop online sessions: users sign in again on ${c}; offline tokens keep working.`,
  'drop-all': () => 'Drop all: every user signs in again and every offline token must be renewed.',
};

const changedWords = (planned: BlueGreenChoice, wanted: BlueGreenChoice): string =>
  [
    planned.promote !== wanted.promote && `${wanted.promote === 'manual' ? 'manual' : 'automatic'} promotion`,
    planned.freeze !== wanted.freeze && `the write freeze ${wanted.freeze}`,
    planned.sessions !== wanted.sessions && `sessions: ${wanted.sessions}`,
  ].filter(Boolean).join(', ');

function Choice<T extends string>({ name, legend, options, wanted, planned, words, onChange, disabled }: {
  name: string; legend: string; options: readonly T[]; wanted: T; planned: T; words: (v: T) => string; onChange: (v: T) => void; disabled: (v: T) => boolean;
}) {
  return (
    <fieldset className="promotion-choice" data-testid={`${name}-choice`} data-planned={planned}>
      <legend className="strong">{legend}</legend>
      {options.map((v) => (
        <label key={v} className="checkbox">
          <input type="radio" name={name} value={v} data-testid={`${name}-${v}`} checked={wanted === v} onChange={() => onChange(v)} disabled={disabled(v)} />
          <span className="small">
            {words(v)}
            {planned === v && <span className="muted"> (this plan)</span>}
          </span>
        </label>
      ))}
    </fieldset>
  );
}

/**
 * The choices, and "Plan again" when any differs from the plan's. The
 * freeze's "on" is offered only when the cluster's load balancer declares a
 * freeze (`canFreeze`); the planner would refuse it otherwise.
 */
export function BlueGreenChoices({ cluster, draft, plan, canFreeze }: { cluster: string; draft: WizardDraft; plan: Plan; canFreeze: boolean }) {
  const update = useWizardStore((s) => s.update);
  const again = useStartPlan();
  const planned = plannedChoices(plan);
  const wanted = wantedChoices(draft, plan);
  const colour = plannedColour(plan) ?? 'the new colour';
  const serving = colour === 'green' ? 'blue' : colour === 'blue' ? 'green' : 'the serving colour';
  if (planned === null || wanted === null) return null;
  const differs = !choicesMatchPlan(draft, plan);

  const replan = () => {
    if (!draft.to) return;
    const { input } = editsToPlanInput(cluster, draft.to, draft.edits, wanted);
    again.mutate(input, { onSuccess: ({ runId }) => update(cluster, { planRunId: runId, planKey: planKey(input), strategy: 'blue-green', ...wanted, step: 'preflight' }) });
  };

  return (
    <div className="blue-green-choices" data-testid="blue-green-choices">
      <Choice name="promote" legend={`Promotion of ${colour}`} options={['manual', 'auto'] as const} wanted={wanted.promote} planned={planned.promote}
        words={(v) => promoteWords[v](colour)} onChange={(v) => update(cluster, { promote: v })} disabled={() => again.isPending} />
      <Choice name="freeze" legend={`Write freeze on ${serving}`} options={['on', 'off'] as const} wanted={wanted.freeze} planned={planned.freeze}
        words={(v) => (v === 'on' && !canFreeze ? `On: not possible here, ${serving}'s load balancer declares no write freeze (loadBalancer.freeze in the cluster file; docs/write-freeze.md).` : freezeWords[v](serving))}
        onChange={(v) => update(cluster, { freeze: v })} disabled={(v) => again.isPending || (v === 'on' && !canFreeze && planned.freeze !== 'on')} />
      <Choice name="sessions" legend={`Sessions in ${colour}'s copy`} options={['keep-all', 'drop-online', 'drop-all'] as const} wanted={wanted.sessions} planned={planned.sessions}
        words={(v) => sessionWords[v](colour)} onChange={(v) => update(cluster, { sessions: v })} disabled={() => again.isPending} />
      {differs && (
        <div className="inline-gap" data-testid="promotion-replan">
          <span className="small text-warn">This plan was made with other choices; the run does what the plan says.</span>
          <button type="button" className="btn btn-small btn-primary" data-testid="promotion-replan-button" onClick={replan} disabled={again.isPending}>
            {again.isPending ? 'Planning…' : `Plan again with ${changedWords(planned, wanted)}`}
          </button>
        </div>
      )}
      {again.isError && <ErrorPanel error={again.error} title="The plan did not start" />}
    </div>
  );
}
