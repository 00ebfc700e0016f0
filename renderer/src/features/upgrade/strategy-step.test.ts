import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import type { QueryClient } from '@tanstack/react-query';
import { queryKeys } from '../../api/query-keys.ts';
import { BackupStep } from './BackupStep.tsx';
import { CanaryToggle, canaryBlockedWhy } from './CanaryToggle.tsx';
import { StrategyCard, canStart } from './StrategyCard.tsx';
import { StrategyStep } from './StrategyStep.tsx';
import { emptyWizardDraft, type WizardDraft } from './wizard-store.ts';
import { blueCluster, minorUpgradePlan } from './fixtures/minor-upgrade.ts';
import { byTestId, render, text } from './fixtures/static-render.ts';


describe('recreate strategy card', () => {
  it('leads with the predicted downtime and where the prediction comes from', () => {
    const recreate = minorUpgradePlan().strategies.find((s) => s.name === 'recreate')!;
    const html = render(createElement(StrategyCard, { strategy: recreate, selected: true, onSelect: () => {} }));
    expect(text(byTestId(html, 'strategy-downtime-seconds-recreate'))).toBe('≈ 47 s');
    expect(text(byTestId(html, 'strategy-downtime-text-recreate'))).toContain("predicted from this cluster's 4 recorded node restarts");
    expect(byTestId(html, 'strategy-card-recreate')).toContain('data-runnable="true"');
    expect(canStart(recreate)).toBe(true);
  });
  it('says a default estimate is one when the cluster has no history', () => {
    const recreate = minorUpgradePlan({ downtime: { seconds: 85, text: 'Full outage, about 85 s (no history for this cluster yet, default estimate: 15 s stop + 50 s start to ready + 20 s schema migration (default))' } }).strategies[1]!;
    const html = render(createElement(StrategyCard, { strategy: recreate, selected: false, onSelect: () => {} }));
    expect(text(byTestId(html, 'strategy-downtime-seconds-recreate'))).toBe('≈ 1 min 25 s');
    expect(text(byTestId(html, 'strategy-downtime-text-recreate'))).toContain('no history for this cluster yet, default estimate');
  });
  it('cannot be started when main says it cannot run, and shows main\'s why', () => {
    const why = "Cluster 'blue' has no ansible.stopPlaybook to stop every node; add one, then plan again.";
    const recreate = minorUpgradePlan({ executable: false, executableWhy: why }).strategies[1]!;
    const html = render(createElement(StrategyCard, { strategy: recreate, selected: true, onSelect: () => {} }));
    expect(canStart(recreate)).toBe(false);
    expect(text(byTestId(html, 'strategy-unsupported-recreate'))).toContain('no ansible.stopPlaybook');
  });
});

describe('Strategy step with recreate', () => {
  const draft: WizardDraft = { ...emptyWizardDraft, step: 'strategy', to: '26.7.3', canary: true };
  it('selects the recommended recreate, lets the wizard go on, and turns the canary off saying why', () => {
    const html = render(createElement(StrategyStep, { cluster: 'blue', draft, plan: minorUpgradePlan(), nodeCount: 2 }));
    expect(byTestId(html, 'wizard-next')).not.toContain('disabled');
    expect(byTestId(html, 'strategy-blocked')).toBeNull();
    const toggle = byTestId(html, 'canary-toggle')!;
    expect(toggle).toContain('disabled');
    expect(toggle).not.toContain('checked');
    expect(text(byTestId(html, 'canary-explain'))).toContain('a recreate stops every node together');
  });
  it('blocks Next with main\'s why when recreate cannot run', () => {
    const plan = minorUpgradePlan({ executable: false, executableWhy: 'The cluster has no load balancer for the maintenance answer.' });
    const html = render(createElement(StrategyStep, { cluster: 'blue', draft, plan, nodeCount: 2 }));
    expect(byTestId(html, 'wizard-next')).toContain('disabled');
    expect(text(byTestId(html, 'strategy-blocked'))).toBe('recreate cannot run: The cluster has no load balancer for the maintenance answer.');
  });
  it('keeps the canary for rolling on two nodes or more', () => {
    expect(canaryBlockedWhy({ name: 'rolling' }, 2)).toBeNull();
    expect(canaryBlockedWhy({ name: 'rolling' }, 1)).toBe('Needs at least two nodes.');
    expect(canaryBlockedWhy({ name: 'blue-green' }, 3)).toContain('Rolling only');
    const rolling = { ...minorUpgradePlan().strategies[0]!, available: true, executable: true };
    const html = render(createElement(CanaryToggle, { strategy: rolling, nodeCount: 3, checked: true, onChange: () => {} }));
    expect(byTestId(html, 'canary-toggle')).toContain('checked');
    expect(byTestId(html, 'canary-toggle')).not.toContain('disabled');
  });
});

describe('Backup step starting a recreate', () => {
  const draft: WizardDraft = { ...emptyWizardDraft, step: 'backup', to: '26.7.3', strategy: 'recreate', canary: true };
  const seed = (qc: QueryClient) => qc.setQueryData(queryKeys.backups('blue'), []);
  it('arms the start for an executable recreate and states the outage', () => {
    const html = render(createElement(BackupStep, { detail: blueCluster('lab'), draft, plan: minorUpgradePlan() }), seed);
    expect(byTestId(html, 'start-run')).not.toContain('disabled');
    const summary = text(html.slice(html.indexOf('data-testid="start-summary"'), html.indexOf('class="confirm-box"')));
    expect(summary).toContain('recreate: every node stops, then starts on the new version');
    expect(summary).not.toContain('canary');
    expect(text(byTestId(html, 'start-downtime'))).toContain('about 47 s');
    expect(byTestId(html, 'confirm-upgrade-input')).toBeNull();
  });
  it('keeps the typed confirmation for production', () => {
    const html = render(createElement(BackupStep, { detail: blueCluster('production'), draft, plan: minorUpgradePlan() }), seed);
    expect(byTestId(html, 'confirm-upgrade-input')).not.toBeNull();
    expect(byTestId(html, 'start-run')).toContain('disabled');
  });
  it('does not arm a recreate main says cannot run', () => {
    const plan = minorUpgradePlan({ executable: false, executableWhy: 'No stop playbook.' });
    const html = render(createElement(BackupStep, { detail: blueCluster('lab'), draft, plan }), seed);
    expect(byTestId(html, 'start-run')).toContain('disabled');
    expect(text(byTestId(html, 'start-not-executable'))).toBe('No stop playbook.');
  });
});
