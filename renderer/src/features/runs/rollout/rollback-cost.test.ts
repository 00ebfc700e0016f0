import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { rollbackPlanSchema, type RollbackPlan } from '../../../../../shared/contract/index.ts';
import { queryKeys } from '../../../api/query-keys.ts';
import { RollbackPanel } from './RollbackPanel.tsx';
import { rollbackArmed, rollbackNeedsTyping } from './RollbackCost.tsx';

// What main answers for the lab's blue cluster after 26.5.6 -> 26.7.3 migrated the schema, and users signed up since the backup.
const restorePlan = (over: Partial<RollbackPlan> = {}): RollbackPlan =>
  rollbackPlanSchema.parse({
    cluster: 'blue',
    runId: '00000000-0000-4000-8000-0000000000aa',
    mode: 'restore',
    fromVersion: '26.7.3',
    toVersion: '26.5.6',
    schemaChanged: true,
    backup: { id: '00000000-0000-4000-8000-0000000000bb', createdAt: '2026-12-01T03:09:00.000Z', size: 5_400_000 },
    downtime: 'All 2 nodes stop until the restore and the first start finish (clients get 503 with Retry-After meanwhile).',
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
const text = (s: string) => s.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();

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
