import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { rollbackPlanSchema, type RollbackPlan } from '../../../../../shared/contract/index.ts';
import { queryKeys } from '../../../api/query-keys.ts';
import { RollbackPanel } from './RollbackPanel.tsx';
import { RollbackCost, rollbackArmed, rollbackNeedsTyping, rollbackStartInput } from './RollbackCost.tsx';

// What main answers for the lab's blue cluster after 26.5.6 -> 26.7.3 migrated the schema, and users signed up since the backup.
const basis = "from this cluster's recorded steps: 12 s stop + 41 s start to ready (5 node starts); default 15 s restore (15 s + 5.2 MiB dump at 10 MiB/s)";
const restorePlan = (over: Partial<RollbackPlan> = {}): RollbackPlan =>
  rollbackPlanSchema.parse({
    cluster: 'blue',
    runId: '00000000-0000-4000-8000-0000000000aa',
    mode: 'restore',
    fromVersion: '26.7.3',
    toVersion: '26.5.6',
    schemaChanged: true,
    backup: { id: '00000000-0000-4000-8000-0000000000bb', createdAt: '2026-12-01T03:09:00.000Z', size: 5_400_000 },
    downtime: `All 2 nodes stop until the restore and the first start finish (clients get 503 with Retry-After meanwhile).`,
    predictedDowntimeSeconds: 68,
    predictedDowntimeBasis: basis,
    sessionPolicy: 'drop-online',
    lostWrites: 'Every write since the backup (14 min ago). 2 users created, 1 admin event.',
    lostWriteLines: ['user alice.example created in realm demo at 03:12:40', 'user bob.example created in realm demo at 03:15:02', '1 admin event (UPDATE client demo-app)'],
    steps: ['Load balancer into maintenance', 'Stop Keycloak on n1, n2 at once', 'Restore backup 00000000 beside the live database, then swap', 'n1: start Keycloak 26.5.6', 'n2: start Keycloak 26.5.6'],
    needsConfirmation: true,
    explanation: 'Keycloak 26.7.3 migrated the database schema; 26.5.6 cannot run on it.',
    ...over,
  });

function render(plan: RollbackPlan): string {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  qc.setQueryData(queryKeys.rollbackPlan('blue'), plan);
  return renderToStaticMarkup(createElement(QueryClientProvider, { client: qc }, createElement(RollbackPanel, { cluster: 'blue', onClose: () => {} })));
}
const at = (html: string, id: string) => html.indexOf(`data-testid="${id}"`);
const text = (s: string) => s.replace(/<[^>]*>/g, ' ').replace(/&#x27;/g, "'").replace(/\s+/g, ' ').trim();

describe('restore rollback: its cost before the typed confirmation', () => {
  it('lists the downtime, the lost writes and each lost user by name, all above the confirmation', () => {
    const html = render(restorePlan());
    const lines = [...html.matchAll(/data-testid="rollback-lost-write-line">([^<]*)</g)].map((m) => m[1]);
    expect(lines).toEqual(['user alice.example created in realm demo at 03:12:40', 'user bob.example created in realm demo at 03:15:02', '1 admin event (UPDATE client demo-app)']);
    expect(html).toContain('data-testid="rollback-downtime">All 2 nodes stop until the restore and the first start finish');
    expect(html).toContain('data-testid="rollback-lost-writes">Every write since the backup (14 min ago)');
    const confirm = at(html, 'rollback-confirm-input');
    expect(confirm).toBeGreaterThan(0);
    for (const id of ['rollback-downtime', 'rollback-lost-writes', 'rollback-lost-write-lines']) expect(at(html, id)).toBeLessThan(confirm);
    expect(html).toMatch(/data-testid="rollback-confirm" disabled=""/);
    expect(text(html)).toContain('This stops every node and restores the database from the backup.');
  });
  it('says when the losses could not be counted one by one', () => {
    const html = render(restorePlan({ lostWriteLines: [] }));
    expect(at(html, 'rollback-lost-write-lines')).toBe(-1);
    expect(at(html, 'rollback-lost-write-uncounted')).toBeGreaterThan(0);
  });
});

describe('recreate-back rollback', () => {
  const plan = restorePlan({ mode: 'recreate-back', schemaChanged: false, lostWrites: 'None: the database is not touched.', lostWriteLines: [], downtime: 'All 2 nodes stop until Keycloak 26.5.6 is started again.' });
  it('shows its downtime and asks for the typed name too', () => {
    const html = render(plan);
    expect(at(html, 'rollback-downtime')).toBeLessThan(at(html, 'rollback-confirm-input'));
    expect(text(html)).toContain('This stops every node.');
    expect(text(html)).toContain('Stop every node and roll back');
    expect(at(html, 'rollback-lost-write-uncounted')).toBe(-1);
  });
  it('needs the typed name even if main did not ask for a confirmation', () => {
    expect(rollbackNeedsTyping({ mode: 'recreate-back', needsConfirmation: false })).toBe(true);
    expect(rollbackNeedsTyping({ mode: 'restore', needsConfirmation: false })).toBe(true);
    expect(rollbackArmed({ mode: 'recreate-back', needsConfirmation: false }, 'blue', '', false)).toBe(false);
    expect(rollbackArmed({ mode: 'recreate-back', needsConfirmation: false }, 'blue', 'blu', false)).toBe(false);
    expect(rollbackArmed({ mode: 'recreate-back', needsConfirmation: false }, 'blue', 'blue', false)).toBe(true);
    expect(rollbackArmed({ mode: 'restore', needsConfirmation: true }, 'blue', 'blue', true)).toBe(false);
  });
});

describe('rolling-back rollback', () => {
  it('starts without a typed name', () => {
    const plan = restorePlan({ mode: 'rolling-back', schemaChanged: false, needsConfirmation: false, lostWrites: 'None: the database is not touched.', lostWriteLines: [], downtime: 'None: one node at a time.' });
    const html = render(plan);
    expect(at(html, 'rollback-confirm-input')).toBe(-1);
    expect(html).not.toMatch(/data-testid="rollback-confirm" disabled/);
    expect(rollbackArmed(plan, 'blue', '', false)).toBe(true);
  });
});

describe('the predicted downtime and the session policy, before the typed confirmation', () => {
  const byId = (html: string, id: string) => {
    const i = at(html, id);
    return i < 0 ? null : text(html.slice(html.lastIndexOf('<', i), html.indexOf('</dd>', i)));
  };
  it('a restore shows the prediction with its basis, and what happens to sessions, above the confirmation', () => {
    const html = render(restorePlan());
    expect(byId(html, 'rollback-predicted')).toBe(`about 1 min 08 s — ${basis}`);
    // said once, on its own line; the downtime sentence is main's, as sent
    expect(byId(html, 'rollback-downtime')).toBe('All 2 nodes stop until the restore and the first start finish (clients get 503 with Retry-After meanwhile).');
    expect(byId(html, 'rollback-session-policy')).toBe('Signed-in browser sessions are dropped; offline tokens are kept. Sessions logged out after the backup do not come back.');
    const confirm = at(html, 'rollback-confirm-input');
    for (const id of ['rollback-predicted', 'rollback-session-policy-select', 'rollback-session-policy']) {
      expect(at(html, id)).toBeGreaterThan(0);
      expect(at(html, id)).toBeLessThan(confirm);
    }
  });
  it("lets the operator choose the policy, the plan's own preselected and marked default", () => {
    const html = render(restorePlan());
    const options = [...html.matchAll(/<option value="([^"]+)"( selected="")?>([^<]*)</g)].map((m) => ({ value: m[1], selected: m[2] !== undefined, label: m[3] }));
    expect(options).toEqual([
      { value: 'drop-online', selected: true, label: 'drop-online (default)' },
      { value: 'keep-all', selected: false, label: 'keep-all' },
      { value: 'drop-all', selected: false, label: 'drop-all' },
    ]);
  });
  it('follows what the plan says: another default, another choice, each described', () => {
    const cost = (plan: RollbackPlan, sessionPolicy?: 'keep-all' | 'drop-all') =>
      renderToStaticMarkup(createElement(RollbackCost, { plan, ...(sessionPolicy ? { sessionPolicy } : {}), onSessionPolicy: () => {} }));
    const keepAllDefault = cost(restorePlan({ sessionPolicy: 'keep-all' }));
    expect(keepAllDefault).toContain('<option value="keep-all" selected="">keep-all (default)</option>');
    expect(byId(keepAllDefault, 'rollback-session-policy')).toContain('including sessions logged out after the backup: they come back to life');
    const dropAll = cost(restorePlan(), 'drop-all');
    expect(dropAll).toContain('<option value="drop-all" selected="">drop-all</option>');
    expect(byId(dropAll, 'rollback-session-policy')).toBe('Every session is dropped, offline tokens too: everyone signs in again, and apps holding offline tokens must authorize again.');
    // read-only where no choice is offered
    const said = renderToStaticMarkup(createElement(RollbackCost, { plan: restorePlan() }));
    expect(at(said, 'rollback-session-policy-select')).toBe(-1);
    expect(byId(said, 'rollback-session-policy')).toContain('offline tokens are kept');
  });
  it('sends the policy shown with rollback:start: the choice, else the default; none when nothing is restored', () => {
    expect(rollbackStartInput('blue', restorePlan(), null)).toEqual({ cluster: 'blue', confirm: true, sessionPolicy: 'drop-online' });
    expect(rollbackStartInput('blue', restorePlan(), 'keep-all')).toEqual({ cluster: 'blue', confirm: true, sessionPolicy: 'keep-all' });
    expect(rollbackStartInput('blue', restorePlan({ mode: 'recreate-back', sessionPolicy: null }), 'drop-all')).toEqual({ cluster: 'blue', confirm: true });
  });
  it('a recreate-back shows its prediction and no session policy', () => {
    const html = render(restorePlan({ mode: 'recreate-back', schemaChanged: false, sessionPolicy: null, lostWriteLines: [], predictedDowntimeSeconds: 53, predictedDowntimeBasis: 'no history yet: default 12 s stop + 41 s start to ready', downtime: 'All 2 nodes stop until Keycloak 26.5.6 is started again.' }));
    expect(byId(html, 'rollback-predicted')).toBe('about 53 s — no history yet: default 12 s stop + 41 s start to ready');
    expect(byId(html, 'rollback-downtime')).toBe('All 2 nodes stop until Keycloak 26.5.6 is started again.');
    expect(at(html, 'rollback-session-policy')).toBe(-1);
  });
  it('a rolling-back predicts no outage and says nothing about it', () => {
    const html = render(restorePlan({ mode: 'rolling-back', schemaChanged: false, needsConfirmation: false, sessionPolicy: null, predictedDowntimeSeconds: null, predictedDowntimeBasis: null, lostWriteLines: [], downtime: 'None: one node at a time.' }));
    expect(at(html, 'rollback-predicted')).toBe(-1);
    expect(at(html, 'rollback-session-policy')).toBe(-1);
  });
});
