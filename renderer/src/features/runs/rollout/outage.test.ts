import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { RunEvent, RunSummary, Step } from '../../../../../shared/contract/index.ts';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { NodeCards } from './NodeCards.tsx';
import { RunControls } from './RunControls.tsx';
import { OutageBannerView } from './OutageBanner.tsx';
import { foldNodeStates, nodeCards, togetherLine } from './node-states.ts';
import { foldOutage, outageElapsedMs } from './outage.ts';

// A recreate of the lab's blue cluster (n1, n2) 26.5.6 -> 26.7.3, as the engine records it.
const runId = '00000000-0000-4000-8000-0000000000aa';
const T = (clock: string) => `2026-12-01T03:${clock}Z`;
const ms = (clock: string) => Date.parse(T(clock));
let seq = 0;
const ev = (at: string, kind: string, data: Record<string, unknown>, source: RunEvent['source'] = 'engine'): RunEvent => ({
  runId, seq: seq++, at: T(at), source, node: typeof data.node === 'string' ? data.node : null, level: 'info', kind, data,
});
const tick = (at: string, ok: number, reasons: Record<string, number> = {}) => {
  const failed = Object.values(reasons).reduce((a, n) => a + n, 0);
  return ev(at, 'probe.tick', { t: ms(at), ok, failed, p50: 4, p99: 9, maxMs: 12, reasons, inFlight: 1, requests: 0, totalFailed: 0, message: 'probe' }, 'probe');
};
const nodeState = (at: string, node: string, state: string, message: string) => ev(at, 'node.state', { node, state, message });

type S = Pick<Step, 'kind' | 'node'> & Partial<Step>;
const steps = (list: S[]): Step[] => list.map((s, i) => ({ seq: i, title: s.kind, status: 'pending', startedAt: null, finishedAt: null, error: null, ...s }));
const recreateSteps = (progress: Record<number, Partial<Step>>): Step[] =>
  steps([
    { kind: 'preflight', node: null },
    { kind: 'backup', node: null },
    { kind: 'cluster.prepare', node: null },
    { kind: 'lb.maintenance', node: null },
    { kind: 'cluster.stop', node: null },
    { kind: 'node.install', node: 'n1' },
    { kind: 'node.ready', node: 'n1' },
    { kind: 'lb.end-maintenance', node: 'n1' },
    { kind: 'node.install', node: 'n2' },
    { kind: 'verify', node: null },
  ]).map((s) => ({ ...s, ...progress[s.seq] }));

const before = [
  nodeState('10:00.000', 'n1', 'waiting', 'n1 waits'),
  nodeState('10:00.000', 'n2', 'waiting', 'n2 waits'),
  ev('10:00.100', 'upgrade.decided', { message: 'Recreate 26.5.6 -> 26.7.3', predictedDowntimeSeconds: 47, strategy: 'recreate' }),
  tick('10:05.000', 20),
];
const maintenanceOn = [
  nodeState('10:10.000', 'n1', 'draining', 'n1 out of rotation: maintenance'),
  nodeState('10:10.000', 'n2', 'draining', 'n2 out of rotation: maintenance'),
  ev('10:10.000', 'lb.maintenance', { message: 'Maintenance on', backend: 'keycloak', servers: ['n1', 'n2'] }),
  tick('10:10.500', 14, { maintenance: 6 }),
];
const stopping = [nodeState('10:11.000', 'n1', 'stopping', 'Stopping (every node at once)'), nodeState('10:11.000', 'n2', 'stopping', 'Stopping (every node at once)'), tick('10:11.500', 0, { maintenance: 20 })];
const stopped = [nodeState('10:20.000', 'n1', 'waiting', 'n1 stopped'), nodeState('10:20.000', 'n2', 'waiting', 'n2 stopped'), tick('10:30.000', 0, { maintenance: 19, refused: 1 })];
const ended = [ev('10:55.000', 'lb.maintenance-ended', { message: 'Maintenance over', backend: 'keycloak', node: 'n1' }), tick('10:55.500', 20)];
const measured = ev('11:30.000', 'downtime.measured', { message: 'Downtime', predictedSeconds: 47, measuredSeconds: 44.2, maintenanceAnswers: 880, otherFailures: {}, boundSeconds: 44.9 }, 'probe');

const inMaintenance = recreateSteps({ 0: { status: 'succeeded' }, 1: { status: 'succeeded' }, 2: { status: 'succeeded' }, 3: { status: 'succeeded', startedAt: T('10:09.900') }, 4: { status: 'running', startedAt: T('10:11.000') } });

const run = (over: Partial<RunSummary> = {}): RunSummary => ({
  id: runId, clusterName: 'blue', kind: 'upgrade', strategy: 'recreate', status: 'running', fromVersion: '26.5.6', toVersion: '26.7.3',
  createdAt: T('09:59.000'), startedAt: T('10:00.000'), finishedAt: null, error: null, control: null, ...over,
});
const text = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/&#x27;/g, "'").replace(/\s+/g, ' ').trim();
const testId = (html: string, id: string) => {
  const i = html.indexOf(`data-testid="${id}"`);
  return i < 0 ? null : text(html.slice(html.lastIndexOf('<', i), html.indexOf('</', i)));
};

describe('foldOutage', () => {
  it('is null for a run without an outage part (rolling)', () => {
    expect(foldOutage(steps([{ kind: 'preflight', node: null }, { kind: 'node.drain', node: 'n1' }, { kind: 'node.install', node: 'n1' }]), before)).toBeNull();
  });
  it('has not begun while the old version still serves', () => {
    expect(foldOutage(recreateSteps({ 0: { status: 'succeeded' }, 1: { status: 'running' } }), before)).toMatchObject({ phase: 'before', startMs: null, predictedSeconds: 47 });
  });
  it('starts the clock at the first failed probe second once the maintenance step began, and splits maintenance answers from worse failures', () => {
    const o = foldOutage(inMaintenance, [...before, ...maintenanceOn, ...stopping, ...stopped])!;
    expect(o.phase).toBe('maintenance');
    expect(o.servers).toEqual(['n1', 'n2']);
    // the tick at 10:10.500 covers the second before it, clamped to the step's start (10:09.900)
    expect(o.startMs).toBe(ms('10:09.900'));
    expect(o.maintenanceAnswers).toBe(45);
    expect(o.otherFailures).toEqual({ refused: 1 });
    expect(outageElapsedMs(o, ms('10:40.000'), null)).toBe(30_100);
  });
  it('starts the clock at the maintenance event when the prober has not failed yet', () => {
    const o = foldOutage(inMaintenance, [...before, ...maintenanceOn.slice(0, 3)])!;
    expect(o.startMs).toBe(ms('10:10.000'));
    expect(o.maintenanceAnswers).toBe(0);
  });
  it('ends when the maintenance ends, with the node that serves first', () => {
    const o = foldOutage(inMaintenance, [...before, ...maintenanceOn, ...stopping, ...stopped, ...ended])!;
    expect(o).toMatchObject({ phase: 'over', endedBy: 'n1', endMs: ms('10:55.000') });
    expect(outageElapsedMs(o, ms('12:00.000'), null)).toBe(45_100);
  });
  it('reads predicted against measured and what the restore did', () => {
    const restored = ev('10:40.000', 'backup.restored', { backupId: 'b', keptAs: 'keycloak_migrated_20261201_031040', sessions: { policy: 'drop-online', onlineUserSessions: 12, offlineUserSessions: 0 }, jgroupsRowsCleared: 2 });
    const o = foldOutage(inMaintenance, [...before, ...maintenanceOn, restored, ...ended, measured])!;
    expect(o.measured).toEqual({ predictedSeconds: 47, measuredSeconds: 44.2, maintenanceAnswers: 880, otherFailures: {}, boundSeconds: 44.9 });
    expect(o.restored).toEqual({ keptAs: 'keycloak_migrated_20261201_031040', policy: 'drop-online', onlineUserSessions: 12, offlineUserSessions: 0, jgroupsRowsCleared: 2 });
  });
  it('without a load balancer, is down from the stop until the first node is ready', () => {
    const noLb = steps([
      { kind: 'cluster.stop', node: null, status: 'succeeded', startedAt: T('10:11.000') },
      { kind: 'node.install', node: 'n1', status: 'succeeded' },
      { kind: 'node.ready', node: 'n1', status: 'running' },
    ]);
    const o = foldOutage(noLb, [...stopping, tick('10:12.000', 0, { refused: 20 })])!;
    expect(o.phase).toBe('stopped');
    expect(o.startMs).toBe(ms('10:11.000'));
    expect(o.otherFailures).toEqual({ refused: 20 });
    const done = noLb.map((s) => (s.kind === 'node.ready' ? { ...s, status: 'succeeded' as const, finishedAt: T('10:41.000') } : s));
    expect(foldOutage(done, stopping)).toMatchObject({ phase: 'over', endMs: ms('10:41.000'), endedBy: 'n1' });
  });
});

describe('maintenance banner', () => {
  it('shows the live downtime counter, the prediction and what clients get', () => {
    const o = foldOutage(inMaintenance, [...before, ...maintenanceOn, ...stopping, ...stopped]);
    const html = renderToStaticMarkup(createElement(OutageBannerView, { outage: o, live: true, runFinishedAt: null, nowMs: ms('10:40.000') }));
    expect(testId(html, 'downtime-counter')).toBe('0:30');
    const banner = text(html);
    expect(banner).toContain('Maintenance: every request gets 503 with Retry-After');
    expect(banner).toContain('n1, n2 out of rotation');
    expect(banner).toContain('predicted 47 s');
    expect(testId(html, 'maintenance-answers')).toContain('45 maintenance answers');
    expect(testId(html, 'maintenance-other-failures')).toContain('1 refused');
  });
  it('counts on as time passes', () => {
    const o = foldOutage(inMaintenance, [...before, ...maintenanceOn]);
    const at = (now: string) => testId(renderToStaticMarkup(createElement(OutageBannerView, { outage: o, live: true, runFinishedAt: null, nowMs: ms(now) })), 'downtime-counter');
    expect([at('10:12.000'), at('11:15.000')]).toEqual(['0:02', '1:05']);
  });
  it('says maintenance is still on when the run stopped inside it, with the clock frozen at the stop', () => {
    const o = foldOutage(inMaintenance, [...before, ...maintenanceOn, ...stopping]);
    const html = renderToStaticMarkup(createElement(OutageBannerView, { outage: o, live: false, runFinishedAt: T('11:30.000'), nowMs: ms('20:00.000') }));
    expect(text(html)).toContain('Maintenance is still on');
    expect(text(html)).toContain('Rollback (restore)');
    expect(testId(html, 'downtime-counter')).toBe('1:20');
  });
  it('after the run, shows predicted against measured', () => {
    const o = foldOutage(recreateSteps({ 3: { status: 'succeeded', startedAt: T('10:09.900') } }), [...before, ...maintenanceOn, ...ended, measured]);
    const html = renderToStaticMarkup(createElement(OutageBannerView, { outage: o, live: false, runFinishedAt: T('11:30.000'), nowMs: ms('20:00.000') }));
    expect(testId(html, 'maintenance-banner')).toBeNull();
    expect(testId(html, 'downtime-predicted')).toBe('47 s');
    expect(testId(html, 'downtime-measured')).toBe('44 s');
    expect(text(html)).toContain('Clients got only the maintenance answer');
    expect(text(html)).toContain('at most 45 s');
  });
  it('flags failures other than the maintenance answer in the result', () => {
    const bad = ev('11:30.000', 'downtime.measured', { predictedSeconds: 47, measuredSeconds: 52, maintenanceAnswers: 800, otherFailures: { refused: 3, timeout: 1 }, boundSeconds: null }, 'probe');
    const o = foldOutage(inMaintenance, [...maintenanceOn, bad]);
    const html = renderToStaticMarkup(createElement(OutageBannerView, { outage: o, live: false, runFinishedAt: T('11:30.000'), nowMs: 0 }));
    expect(testId(html, 'downtime-other-failures')).toContain('3 refused, 1 timeout');
  });
  it('renders nothing for a rolling run', () => {
    expect(renderToStaticMarkup(createElement(OutageBannerView, { outage: null, live: true, runFinishedAt: null, nowMs: 0 }))).toBe('');
  });
});

describe('node cards of a recreate', () => {
  const render = (events: RunEvent[], live = true) =>
    renderToStaticMarkup(createElement(NodeCards, { cards: nodeCards(['n1', 'n2'], foldNodeStates(events)), run: run(), steps: inMaintenance, live }));
  it('says once that every node is out of rotation, then stopping together', () => {
    expect(togetherLine(nodeCards(['n1', 'n2'], foldNodeStates([...before, ...maintenanceOn])))).toContain('All 2 nodes are out of rotation');
    const html = render([...before, ...maintenanceOn, ...stopping]);
    expect(testId(html, 'node-together')).toContain('All 2 nodes are stopping together');
    for (const n of ['n1', 'n2']) expect(html).toContain(`data-testid="node-card-${n}" data-state="stopping"`);
  });
  it('shows stopped nodes as down, not as idle waiting nodes', () => {
    const html = render([...before, ...maintenanceOn, ...stopping, ...stopped]);
    expect(testId(html, 'node-together')).toContain('All 2 nodes are stopped');
    for (const n of ['n1', 'n2']) {
      const card = html.slice(html.indexOf(`data-testid="node-card-${n}"`));
      expect(card).toMatch(/^data-testid="node-card-n\d" data-state="waiting" data-stopped="true"/);
      expect(text(card.slice(0, card.indexOf('</header>')))).toContain('stopped');
    }
    expect(html).toContain('class="node-card node-stopped');
    expect(text(html)).toContain('26.5.6 (not running)');
  });
  it('keeps nodes that never stopped as waiting, and says nothing together once one moves on', () => {
    const html = render(before);
    expect(html).not.toContain('data-stopped');
    expect(testId(html, 'node-together')).toBeNull();
    const started = [...before, ...maintenanceOn, ...stopping, ...stopped, nodeState('10:40.000', 'n1', 'starting', 'n1 starting 26.7.3')];
    expect(testId(render(started), 'node-together')).toBeNull();
    expect(render(started)).toContain('data-testid="node-card-n2" data-state="waiting" data-stopped="true"');
  });
});

describe('controls of a recreate', () => {
  it('says Pause never takes effect while every node is down', () => {
    const html = renderToStaticMarkup(createElement(QueryClientProvider, { client: new QueryClient() }, createElement(RunControls, { run: run(), steps: inMaintenance })));
    expect(testId(html, 'run-pause-explain')).toContain('never while every node is down');
    expect(testId(html, 'run-rollback-explain')).toContain('the plan and its cost are shown first');
  });
});
