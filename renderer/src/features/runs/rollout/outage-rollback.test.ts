import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { RunEvent, Step } from '../../../../../shared/contract/index.ts';
import { restoreSteps, type StepFacts } from '../../../../../shared/domain/strategy-steps.ts';
import { classifyChange } from '../../../../../shared/domain/versions.ts';
import { OutageBannerView } from './OutageBanner.tsx';
import { foldOutage, outageElapsedMs } from './outage.ts';

// The restore rollback of the lab's blue cluster (n1, n2) after 26.5.6 -> 26.7.3 migrated the schema:
// the steps main composes for it, and the events its engine records.
const runId = '00000000-0000-4000-8000-0000000000cc';
const T = (clock: string) => `2026-12-01T03:${clock}Z`;
const ms = (clock: string) => Date.parse(T(clock));
let seq = 0;
const ev = (at: string, kind: string, data: Record<string, unknown>, source: RunEvent['source'] = 'engine'): RunEvent => ({
  runId, seq: seq++, at: T(at), source, node: typeof data.node === 'string' ? data.node : null, level: 'warn', kind, data,
});
const tick = (at: string, ok: number, reasons: Record<string, number> = {}) =>
  ev(at, 'probe.tick', { t: ms(at), ok, failed: Object.values(reasons).reduce((a, n) => a + n, 0), p50: 4, p99: 9, maxMs: 12, reasons, inFlight: 1, requests: 0, totalFailed: 0, message: 'probe' }, 'probe');

const facts: StepFacts = { change: classifyChange('26.7.3', '26.5.6'), nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'haproxy', name: 'sso.lab.test' } };
const asRun = (planned: ReturnType<typeof restoreSteps>, progress: Partial<Record<string, Partial<Step>>>): Step[] =>
  planned.map((s, i) => ({ seq: i, kind: s.kind, title: s.title, node: s.node, status: 'pending', startedAt: null, finishedAt: null, error: null, ...progress[s.kind] }));
const restoring = asRun(restoreSteps(facts, { backupId: 'b'.repeat(32), backupTakenAt: T('09:00.000') }), {
  preflight: { status: 'succeeded' },
  'lb.maintenance': { status: 'succeeded', startedAt: T('10:09.900') },
  'cluster.stop': { status: 'succeeded', startedAt: T('10:10.100') },
  'db.restore': { status: 'running', startedAt: T('10:20.000') },
});
const recreatingBack = asRun(restoreSteps(facts, null), {
  preflight: { status: 'succeeded' },
  'lb.maintenance': { status: 'succeeded', startedAt: T('10:09.900') },
  'cluster.stop': { status: 'running', startedAt: T('10:10.100') },
});

const basis = "from this cluster's recorded steps: 12 s stop + 41 s start to ready (5 node starts); default 15 s restore (15 s + 0.3 MiB dump at 10 MiB/s)";
const planned = (over: Record<string, unknown> = {}) =>
  ev('10:00.000', 'rollback.planned', { message: 'Keycloak 26.7.3 migrated the database schema', mode: 'restore', predictedDowntimeSeconds: 68, predictedDowntimeBasis: basis, sessionPolicy: 'drop-online', ...over });
const maintenanceOn = [ev('10:10.000', 'lb.maintenance', { message: 'Maintenance on', backend: 'keycloak', servers: ['n1', 'n2'] }), tick('10:10.500', 10, { maintenance: 10 })];
const during = [tick('10:30.000', 0, { maintenance: 20 })];

const text = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/&#x27;/g, "'").replace(/\s+/g, ' ').trim();
const testId = (html: string, id: string) => {
  const i = html.indexOf(`data-testid="${id}"`);
  return i < 0 ? null : text(html.slice(html.lastIndexOf('<', i), html.indexOf('</', i)));
};
const banner = (steps: Step[], events: RunEvent[], now: string) =>
  renderToStaticMarkup(createElement(OutageBannerView, { outage: foldOutage(steps, events), live: true, runFinishedAt: null, nowMs: ms(now) }));

describe('the outage of a rollback run', () => {
  it('reads the predicted downtime and its basis from rollback.planned, like a recreate reads upgrade.decided', () => {
    const o = foldOutage(restoring, [planned(), ...maintenanceOn, ...during])!;
    expect(o).toMatchObject({ phase: 'maintenance', predictedSeconds: 68, predictedBasis: basis, servers: ['n1', 'n2'] });
    expect(outageElapsedMs(o, ms('10:40.000'), null)).toBe(30_100);
  });

  it('a restore rollback shows the running counter against its prediction and where the prediction comes from', () => {
    const html = banner(restoring, [planned(), ...maintenanceOn, ...during], '10:40.000');
    expect(testId(html, 'downtime-counter')).toBe('0:30');
    expect(text(html)).toContain('downtime so far · predicted 1 min 08 s');
    expect(testId(html, 'downtime-basis')).toBe(`Predicted about 1 min 08 s (${basis}).`);
  });

  it('a recreate-back rollback does the same with its own prediction', () => {
    const back = planned({ mode: 'recreate-back', predictedDowntimeSeconds: 53, predictedDowntimeBasis: 'no history yet: default 12 s stop + 41 s start to ready', sessionPolicy: null });
    const html = banner(recreatingBack, [back, ...maintenanceOn], '10:20.000');
    expect(text(html)).toContain('downtime so far · predicted 53 s');
    expect(testId(html, 'downtime-basis')).toBe('Predicted about 53 s (no history yet: default 12 s stop + 41 s start to ready).');
  });

  it('after the run, shows predicted against measured with the basis', () => {
    const done = restoring.map((s) => ({ ...s, status: 'succeeded' as const }));
    const events = [planned(), ...maintenanceOn, ...during, ev('11:05.000', 'lb.maintenance-ended', { message: 'Maintenance over', node: 'n1' }),
      ev('11:40.000', 'downtime.measured', { message: 'Downtime', predictedSeconds: 68, measuredSeconds: 54.6, maintenanceAnswers: 1_100, otherFailures: {}, boundSeconds: 55.3 }, 'probe')];
    const html = renderToStaticMarkup(createElement(OutageBannerView, { outage: foldOutage(done, events), live: false, runFinishedAt: T('11:40.000'), nowMs: ms('50:00.000') }));
    expect(testId(html, 'downtime-predicted')).toBe('1 min 08 s');
    expect(testId(html, 'downtime-measured')).toBe('55 s');
    expect(testId(html, 'downtime-predicted-basis')).toBe(`Prediction basis: ${basis}.`);
  });

  it('says "no prediction" and no basis when the plan had none', () => {
    const html = banner(restoring, [planned({ predictedDowntimeSeconds: null, predictedDowntimeBasis: null }), ...maintenanceOn], '10:20.000');
    expect(text(html)).toContain('downtime so far · no prediction');
    expect(testId(html, 'downtime-basis')).toBeNull();
  });
});
