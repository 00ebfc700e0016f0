import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { planSchema, type Plan } from '../../../../shared/contract/index.ts';
import { explain } from '../../../../shared/domain/compatibility.ts';
import { planStrategies } from '../../../../shared/domain/strategy.ts';
import { classifyChange } from '../../../../shared/domain/versions.ts';
import { queryKeys } from '../../api/query-keys.ts';
import { BackupStep, runnableStrategy, startClause } from './BackupStep.tsx';
import { editsToPlanInput, planKey } from './plan-edits.ts';
import { choicesMatchPlan, plannedChoices, plannedPromote } from './BlueGreenChoices.tsx';
import { StrategyStep } from './StrategyStep.tsx';
import { emptyWizardDraft, type WizardDraft } from './wizard-store.ts';
import { blueCluster, minorUpgradePlan } from './fixtures/minor-upgrade.ts';
import { byTestId, render, text } from './fixtures/static-render.ts';

/** The minor upgrade's plan with the strategies main's planner computes for a cluster with Terraform (blue/green executable). */
function blueGreenPlan(promote?: 'manual' | 'auto', more: { freeze?: 'on' | 'off'; sessions?: 'keep-all' | 'drop-online' | 'drop-all'; canFreeze?: boolean } = {}): Plan {
  const change = classifyChange('26.5.6', '26.7.3');
  const output = 'Rolling Update is not available. (keycloak.version: 26.5.6 -> 26.7.3)';
  const reasons = explain({ from: '26.5.6', to: '26.7.3', fromOptions: { db: 'postgres' }, toOptions: { db: 'postgres' }, exitCode: 3, output });
  const s = planStrategies({ change, exitCode: 3, verdict: 'recreate', reasons, cluster: { nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns', name: 'sso.lab.example', ttl: 1 }, terraform: true, ansible: true, stopPlaybook: true, environment: 'production', ...(promote ? { promote } : {}), ...more } });
  return planSchema.parse({ ...minorUpgradePlan(), ...s });
}


describe('the strategy comes from the plan, blue/green included', () => {
  it('starts whatever executable strategy the plan offers, by the contract\'s names', () => {
    const plan = blueGreenPlan();
    const bg = plan.strategies.find((s) => s.name === 'blue-green')!;
    expect(bg.executable).toBe(true);
    expect(runnableStrategy(bg)).toBe('blue-green');
    expect(runnableStrategy({ ...bg, executable: false })).toBeNull();
    expect(startClause('blue-green', plan, false, 'sso.lab.example')).toBe('blue-green: green is built beside the serving colour from a fresh backup, then sso.lab.example switches to it once you press "Promote green"');
    expect(startClause('blue-green', blueGreenPlan('auto'), false, 'sso.lab.example')).toContain('as soon as it passed its checks');
  });
  it('the Backup step arms the start of a blue/green plan and says what it will do', () => {
    const draft: WizardDraft = { ...emptyWizardDraft, step: 'backup', to: '26.7.3', strategy: 'blue-green' };
    const html = render(createElement(BackupStep, { detail: blueCluster('lab'), draft, plan: blueGreenPlan() }), (qc) => qc.setQueryData(queryKeys.backups('blue'), []));
    expect(byTestId(html, 'start-run')).not.toContain('disabled');
    expect(text(html.slice(html.indexOf('data-testid="start-summary"'), html.indexOf('class="confirm-box"')))).toContain('blue-green: green is built beside the serving colour');
  });
});

describe('blue/green promotion in the Strategy step', () => {
  const draft: WizardDraft = { ...emptyWizardDraft, step: 'strategy', to: '26.7.3', strategy: 'blue-green' };
  it('shows the plan\'s promotion (manual for production) instead of the canary, and lets the wizard go on', () => {
    const plan = blueGreenPlan();
    expect(plannedPromote(plan)).toBe('manual');
    const html = render(createElement(StrategyStep, { cluster: 'blue', draft, plan, nodeCount: 2 }));
    expect(byTestId(html, 'promote-choice')).toContain('data-planned="manual"');
    expect(byTestId(html, 'promote-manual')).toContain('checked');
    expect(byTestId(html, 'canary-toggle')).toBeNull();
    expect(byTestId(html, 'promotion-replan')).toBeNull();
    expect(byTestId(html, 'wizard-next')).not.toContain('disabled');
  });
  it('asks for a new plan when the operator chooses another promotion, and holds Next until then', () => {
    const plan = blueGreenPlan();
    const auto = { ...draft, promote: 'auto' as const };
    expect(choicesMatchPlan(auto, plan)).toBe(false);
    const html = render(createElement(StrategyStep, { cluster: 'blue', draft: auto, plan, nodeCount: 2 }));
    expect(byTestId(html, 'promote-auto')).toContain('checked');
    expect(text(byTestId(html, 'promotion-replan-button'))).toBe('Plan again with automatic promotion');
    expect(byTestId(html, 'wizard-next')).toContain('disabled');
    expect(text(byTestId(html, 'strategy-blocked'))).toBe('Plan again with the choices you made first.');
    // The plan computed with it matches, and the wizard goes on.
    expect(choicesMatchPlan(auto, blueGreenPlan('auto'))).toBe(true);
  });
  it('puts the choice into the plan request, and a different choice is a different plan', () => {
    const { input } = editsToPlanInput('blue', '26.7.3', [], { promote: 'auto' });
    expect(input).toEqual({ cluster: 'blue', to: '26.7.3', promote: 'auto' });
    expect(editsToPlanInput('blue', '26.7.3', []).input).toEqual({ cluster: 'blue', to: '26.7.3' });
    expect(planKey(input)).not.toBe(planKey(editsToPlanInput('blue', '26.7.3', [], { promote: 'manual' }).input));
  });
});

describe('blue/green write freeze and session policy in the Strategy step', () => {
  const draft: WizardDraft = { ...emptyWizardDraft, step: 'strategy', to: '26.7.3', strategy: 'blue-green' };
  it('reads all three choices back from the plan the planner made (freeze on by default for production when the load balancer can)', () => {
    expect(plannedChoices(blueGreenPlan())).toEqual({ promote: 'manual', freeze: 'off', sessions: 'keep-all' });
    expect(plannedChoices(blueGreenPlan(undefined, { canFreeze: true }))).toEqual({ promote: 'manual', freeze: 'on', sessions: 'keep-all' });
    expect(plannedChoices(blueGreenPlan('auto', { freeze: 'off', canFreeze: true, sessions: 'drop-online' }))).toEqual({ promote: 'auto', freeze: 'off', sessions: 'drop-online' });
  });
  it('offers the freeze only where the load balancer declares one, and says why not', () => {
    const plan = blueGreenPlan();
    const without = render(createElement(StrategyStep, { cluster: 'blue', draft, plan, nodeCount: 2 }));
    expect(byTestId(without, 'freeze-on')).toContain('disabled');
    expect(text(without)).toContain('not possible here, blue\'s load balancer declares no write freeze');
    expect(byTestId(without, 'freeze-off')).toContain('checked');
    const withFreeze = render(createElement(StrategyStep, { cluster: 'blue', draft, plan: blueGreenPlan(undefined, { canFreeze: true }), nodeCount: 2, canFreeze: true }));
    expect(byTestId(withFreeze, 'freeze-on')).not.toContain('disabled');
    expect(byTestId(withFreeze, 'freeze-on')).toContain('checked');
    expect(byTestId(withFreeze, 'wizard-next')).not.toContain('disabled');
  });
  it('a freeze or session choice other than the plan\'s holds Next and asks for a plan with exactly those choices', () => {
    const plan = blueGreenPlan(undefined, { canFreeze: true });
    const chosen: WizardDraft = { ...draft, freeze: 'off', sessions: 'drop-online' };
    expect(choicesMatchPlan(chosen, plan)).toBe(false);
    const html = render(createElement(StrategyStep, { cluster: 'blue', draft: chosen, plan, nodeCount: 2, canFreeze: true }));
    expect(byTestId(html, 'sessions-drop-online')).toContain('checked');
    expect(text(byTestId(html, 'promotion-replan-button')!)).toBe('Plan again with the write freeze off, sessions: drop-online');
    expect(byTestId(html, 'wizard-next')).toContain('disabled');
    expect(editsToPlanInput('blue', '26.7.3', [], { freeze: 'off', sessions: 'drop-online' }).input).toEqual({ cluster: 'blue', to: '26.7.3', freeze: 'off', sessions: 'drop-online' });
    // the plan made with them matches, and the wizard goes on
    const replanned = blueGreenPlan(undefined, { canFreeze: true, freeze: 'off', sessions: 'drop-online' });
    expect(choicesMatchPlan(chosen, replanned)).toBe(true);
    expect(byTestId(render(createElement(StrategyStep, { cluster: 'blue', draft: chosen, plan: replanned, nodeCount: 2, canFreeze: true })), 'wizard-next')).not.toContain('disabled');
  });
});
