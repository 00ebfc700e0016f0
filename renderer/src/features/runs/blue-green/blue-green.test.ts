import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ColourRecord, RunEvent, RunSummary, Step } from '../../../../../shared/contract/index.ts';
import { blueGreenSteps, type StepFacts } from '../../../../../shared/domain/strategy-steps.ts';
import { classifyChange } from '../../../../../shared/domain/versions.ts';
import { chartMarks } from '../rollout/chart-marks.ts';
import { RunControls } from '../rollout/RunControls.tsx';
import { columnNodes, columnRole, decidedPlanRunId, foldBlueGreen, isBlueGreenRun, planColours, switchBackApplies, trafficOn } from './blue-green-state.ts';
import { decommissionWords, promoteWords, switchBackWords } from './blue-green-words.ts';
import { DataWindowView } from './DataWindow.tsx';
import { dataSafetyOf } from '../../../../../shared/domain/data-safety.ts';

const runId = '00000000-0000-4000-8000-0000000000b1';
const planRunId = '00000000-0000-4000-8000-0000000000a1';
const facts: StepFacts = { change: classifyChange('26.5.6', '26.7.3'), nodes: ['n1', 'n2'], loadBalancer: true, traffic: { kind: 'dns', name: 'sso.lab.test', ttl: 1 }, environment: 'production' };
/** The plan's steps, from the same domain function main plans with. */
const planSteps = blueGreenSteps(facts);
const steps = (doneThrough: string | null): Step[] => {
  const upTo = doneThrough === null ? -1 : planSteps.findIndex((s) => s.kind === doneThrough);
  return planSteps.map((s, seq) => ({ seq, kind: s.kind, title: s.title, node: s.node, status: seq <= upTo ? 'succeeded' : 'pending', startedAt: null, finishedAt: null, error: null }));
};
const run = (status: RunSummary['status'], kind = 'upgrade', strategy = 'blue-green'): RunSummary => ({
  id: runId, clusterName: 'lab', kind, strategy, status, fromVersion: '26.5.6', toVersion: '26.7.3', createdAt: '2025-01-01T00:00:00Z', startedAt: '2025-01-01T00:00:00Z', finishedAt: null, error: null, control: null,
});
let seq = 0;
const ev = (kind: string, data: Record<string, unknown>, at = '2025-01-01T00:01:00.000Z'): RunEvent => ({ runId, seq: seq++, at, source: 'engine', node: null, level: 'info', kind, data });
const record = (colour: 'blue' | 'green', role: ColourRecord['role'], nodes: string[], source: 'terraform' | 'cluster-file' = colour === 'green' ? 'terraform' : 'cluster-file'): ColourRecord => ({
  id: `00000000-0000-4000-8000-00000000000${colour === 'blue' ? 1 : 2}`, clusterName: 'lab', colour, role, version: colour === 'blue' ? '26.5.6' : '26.7.3', runId, clonePoint: '2025-01-01T00:00:30.000Z', createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z',
  deployment: { colour, source, nodes: nodes.map((name, i) => ({ name, address: `127.0.1.${i + 1}`, sshPort: 22, hostKey: null })), database: { address: '127.0.1.50', port: 5432, name: 'keycloak', user: 'keycloak' }, loadBalancer: { address: '127.0.1.100', port: 8443, runtimeApi: '/run/h.sock', backend: 'keycloak' }, inventory: '/tmp/i.yml' },
});

const gateEvents = [
  ev('upgrade.decided', { planRunId, strategy: 'blue-green' }),
  ev('backup.clone-point', { clonePoint: '2025-01-01T00:00:30.000Z' }),
  ev('colour.provisioned', { colour: 'green' }),
  ev('colour.smoke', { check: 'password-login', ok: false }),
  ev('colour.smoke', { check: 'password-login', ok: true }),
  ev('promotion.waiting', { message: 'green passed its checks' }),
];

describe('foldBlueGreen', () => {
  it('knows a blue/green run by its strategy or its step kinds', () => {
    expect(isBlueGreenRun({ strategy: 'blue-green' }, [])).toBe(true);
    expect(isBlueGreenRun({ strategy: 'switch-back' }, [])).toBe(true);
    expect(isBlueGreenRun({ strategy: null }, [{ kind: 'traffic.switch' }])).toBe(true);
    expect(isBlueGreenRun({ strategy: 'rolling' }, [{ kind: 'node.drain' }])).toBe(false);
  });
  it('reads the colours and the promotion from the plan the run executes', () => {
    expect(decidedPlanRunId(gateEvents)).toBe(planRunId);
    expect(planColours(planSteps)).toEqual({ target: 'green', source: 'blue', promote: 'manual' });
    expect(planColours(blueGreenSteps(facts, { colour: 'blue', promote: 'auto' }))).toEqual({ target: 'blue', source: 'green', promote: 'auto' });
  });
  it('is at the gate when the run paused right after the promotion gate, before the switch', () => {
    const s = foldBlueGreen({ run: run('paused'), steps: steps('promotion.gate'), events: gateEvents, plan: planColours(planSteps) });
    expect(s).toMatchObject({ target: 'green', source: 'blue', atGate: true, clonePoint: '2025-01-01T00:00:30.000Z', switched: null, promote: 'manual' });
    expect(s.smoke).toEqual([{ check: 'password-login', ok: true }]);
    expect(columnRole(s, 'blue')).toBe('serving');
    expect(columnRole(s, 'green')).toBe('building');
    // Paused anywhere else is not the gate.
    expect(foldBlueGreen({ run: run('paused'), steps: steps('green.smoke'), events: gateEvents }).atGate).toBe(false);
    expect(foldBlueGreen({ run: run('running'), steps: steps('promotion.gate'), events: gateEvents }).atGate).toBe(false);
  });
  it('finds the colours from the events or the records when the plan is not read', () => {
    expect(foldBlueGreen({ run: run('running'), steps: steps('green.provision'), events: gateEvents }).source).toBe('blue');
    expect(foldBlueGreen({ run: run('running'), steps: steps('backup.verify'), events: [], records: [record('blue', 'active', ['n1']), record('green', 'building', ['g1'])] }).target).toBe('green');
    expect(foldBlueGreen({ run: run('running'), steps: steps(null), events: [] }).target).toBeNull();
  });
  it('turns serving/building into standby/active at the switch, and back after a switch back', () => {
    const switched = [...gateEvents, ev('traffic.switched', { to: 'green', at: '2025-01-01T00:02:00.000Z' }), ev('traffic.drained', { lastRequestAfterSwitchSeconds: 1.4 })];
    const s = foldBlueGreen({ run: run('running'), steps: steps('traffic.switch'), events: switched, plan: planColours(planSteps) });
    expect(trafficOn(s)).toBe('green');
    expect([columnRole(s, 'green'), columnRole(s, 'blue')]).toEqual(['active', 'standby']);
    expect(s.drainedAfterSeconds).toBe(1.4);
    const back = foldBlueGreen({ run: run('failed'), steps: steps('traffic.switch'), events: [...switched, ev('traffic.switched-back', { to: 'blue', at: '2025-01-01T00:02:30.000Z' })], plan: planColours(planSteps) });
    expect([columnRole(back, 'blue'), columnRole(back, 'green')]).toEqual(['active', 'standby']);
    expect(switchBackApplies(back, null)).toBe(false);
  });
  it('offers the switch back only while it applies', () => {
    const events = [...gateEvents, ev('traffic.switched', { to: 'green', at: '2025-01-01T00:02:00.000Z' }), ev('standby.recorded', { active: 'green', standby: 'blue' })];
    const s = foldBlueGreen({ run: run('succeeded'), steps: steps('standby.record'), events, plan: planColours(planSteps) });
    expect(switchBackApplies(s, null)).toBe(true);
    expect(switchBackApplies(s, [record('green', 'active', ['g1']), record('blue', 'standby', ['n1'])])).toBe(true);
    // Blue was decommissioned, or became active again through a later switch back: nothing to switch back to from this run.
    expect(switchBackApplies(s, [record('green', 'active', ['g1'])])).toBe(false);
    expect(switchBackApplies(s, [record('blue', 'active', ['n1']), record('green', 'standby', ['g1'])])).toBe(false);
    expect(switchBackApplies(foldBlueGreen({ run: run('paused'), steps: steps('promotion.gate'), events: gateEvents, plan: planColours(planSteps) }), null)).toBe(false);
  });
  it('gives each column its own nodes', () => {
    expect(columnNodes('blue', { record: null, isSource: true, specNodes: ['n1', 'n2'], eventNodes: ['n1', 'g1'], otherNodes: [] })).toEqual(['n1', 'n2']);
    expect(columnNodes('green', { record: null, isSource: false, specNodes: ['n1', 'n2'], eventNodes: ['n1', 'g1', 'g2'], otherNodes: ['n1', 'n2'] })).toEqual(['g1', 'g2']);
    expect(columnNodes('green', { record: record('green', 'building', ['g1', 'g2', 'g3']), isSource: false, specNodes: [], eventNodes: [], otherNodes: [] })).toEqual(['g1', 'g2', 'g3']);
  });
});

describe('what the buttons say', () => {
  const s = foldBlueGreen({ run: run('paused'), steps: steps('promotion.gate'), events: gateEvents, plan: planColours(planSteps) });
  it('Promote: the plan\'s switch and watch, and the writes after the clone point as its cost', () => {
    const w = promoteWords(s, steps('promotion.gate'));
    expect(w.label).toBe('Promote green');
    expect(w.explain).toMatch(/^Promote green: switch sso\.lab\.test to green's load balancer \(RFC 2136 DNS update, TTL 1 s\), then watch sso\.lab\.test with the prober for 60 s; above 2% failed requests, switch back to blue automatically\. Cost: no outage planned; writes blue took since the clone point \(\d\d:\d\d:\d\d\) are not on green\.$/);
  });
  it('Promote: what the gate counted on the serving colour since the clone point, when it did', () => {
    const counted = [...gateEvents, { ...gateEvents[gateEvents.length - 1]!, kind: 'promotion.lost-writes', data: { message: 'Since the clone point (2026-12-01T20:36:00.000Z) blue took what green lacks: 1 user created since the backup: alice.' } }];
    const w = promoteWords(foldBlueGreen({ run: run('paused'), steps: steps('promotion.gate'), events: counted, plan: planColours(planSteps) }), steps('promotion.gate'));
    expect(w.explain).toMatch(/are not on green\. Since the clone point \(2026-12-01T20:36:00\.000Z\) blue took what green lacks: 1 user created since the backup: alice\.$/);
  });
  it('Promote: while blue is frozen it says so, with since when and what still works; once thawed it does not', () => {
    const frozen = [...gateEvents, ev('freeze.on', { colour: 'blue', at: '2025-01-01T00:00:30.000Z' })];
    const w = promoteWords(foldBlueGreen({ run: run('paused'), steps: steps('promotion.gate'), events: frozen, plan: planColours(planSteps) }), steps('promotion.gate'));
    expect(w.explain).toMatch(/are not on green\. Writes on blue are frozen since \d\d:\d\d:\d\d \(admin, account, registration, password reset and required actions get 503; sign-in and tokens work\); promoting ends the freeze once no client reaches blue\.$/);
    const thawed = foldBlueGreen({ run: run('paused'), steps: steps('promotion.gate'), events: [...frozen, ev('freeze.off', { colour: 'blue', at: '2025-01-01T00:03:00.000Z' })], plan: planColours(planSteps) });
    expect(thawed.freeze).toEqual({ since: '2025-01-01T00:00:30.000Z', until: '2025-01-01T00:03:00.000Z' });
    expect(promoteWords(thawed, steps('promotion.gate')).explain).not.toContain('frozen');
  });
  it('Switch back and Decommission name the colour and the cost', () => {
    expect(switchBackWords(s, 'sso.lab.test').label).toBe('Switch back to blue…');
    expect(switchBackWords(s, 'sso.lab.test').explain).toContain('Cost: writes green took since the switch are not on blue');
    expect(decommissionWords(record('green', 'standby', ['g1', 'g2'])).explain).toBe('Decommission green: Terraform destroy of workspace "green" (its 2 hosts, database and load balancer). Cost: no switch back to green (Keycloak 26.7.3) after this; it asks for the cluster\'s name, typed.');
    expect(decommissionWords(record('blue', 'standby', ['n1'])).explain).toContain('stops Keycloak on its 1 host.');
  });
  it('RunControls shows Promote instead of Resume at the gate, and Switch back instead of Rollback after the switch', () => {
    const render = (r: RunSummary, st: Step[], state: typeof s, switchBack: boolean) =>
      renderToStaticMarkup(createElement(QueryClientProvider, { client: new QueryClient() }, createElement(RunControls, { run: r, steps: st, blueGreen: { state, trafficName: 'sso.lab.test', switchBack } })));
    const atGate = render(run('paused'), steps('promotion.gate'), s, false);
    expect(atGate).toContain('data-testid="run-promote"');
    expect(atGate).toContain('>Promote green</button>');
    expect(atGate).not.toContain('data-testid="run-resume"');
    expect(atGate).not.toContain('data-testid="run-switch-back"');

    const events = [...gateEvents, ev('traffic.switched', { to: 'green', at: '2025-01-01T00:02:00.000Z' }), ev('standby.recorded', { active: 'green', standby: 'blue' })];
    const done = foldBlueGreen({ run: run('succeeded'), steps: steps('standby.record'), events, plan: planColours(planSteps) });
    const after = render({ ...run('succeeded'), finishedAt: '2025-01-01T00:05:00Z' }, steps('standby.record'), done, true);
    expect(after).toContain('>Switch back to blue…</button>');
    expect(after).not.toContain('data-testid="run-promote"');
    expect(after).not.toContain('data-testid="run-rollback"');
    // Once the switch back no longer applies, no way-back button claims one.
    expect(render({ ...run('succeeded'), finishedAt: '2025-01-01T00:05:00Z' }, steps('standby.record'), done, false)).not.toContain('run-switch-back');
  });
});

describe('chartMarks', () => {
  it('marks the switch at its own time and the switch back, beside node transitions', () => {
    const marks = chartMarks([
      { ...ev('node.state', { node: 'n1', state: 'draining' }, '2025-01-01T00:00:10.000Z') },
      ev('traffic.switched', { to: 'green', at: '2025-01-01T00:02:00.000Z' }, '2025-01-01T00:02:01.000Z'),
      ev('traffic.switched-back', { to: 'blue', at: '2025-01-01T00:02:40.000Z' }),
      ev('traffic.switched', { to: 'green', at: 'not a time' }, 'also not'),
    ]);
    expect(marks).toEqual([
      { t: Date.parse('2025-01-01T00:00:10.000Z'), label: 'n1 out', kind: 'node-out' },
      { t: Date.parse('2025-01-01T00:02:00.000Z'), label: 'switched to green', kind: 'switch' },
      { t: Date.parse('2025-01-01T00:02:40.000Z'), label: 'switched back to blue', kind: 'switch-back' },
    ]);
  });
});

describe('the data window: clone point to switch, live', () => {
  const at = (s: number) => new Date(Date.parse('2025-01-01T00:00:30.000Z') + s * 1000).toISOString();
  const render = (events: RunEvent[], live: boolean, nowS: number) =>
    renderToStaticMarkup(createElement(DataWindowView, { events, live, kind: 'blue-green', serving: 'blue', nowMs: Date.parse(at(nowS)) }));
  const clone = ev('backup.clone-point', { clonePoint: at(0), walLsn: '0/3A1F2B8' });
  it('ticks from the clone point while the run waits, and says writes on the serving side are not in the copy without a freeze', () => {
    const html = render([clone], true, 95);
    expect(html).toContain('data-open="true"');
    expect(html).toMatch(/data-testid="data-window-clock">1:35</);
    expect(html).toContain('since the clone point');
    expect(html).toMatch(/Clone point \d\d:\d\d:\d\d \(WAL 0\/3A1F2B8\): the copy holds/);
    expect(html).toContain('Writes on blue: not frozen: writes on blue after the clone point are not in the copy.');
    // a second later, a second longer
    expect(render([clone], true, 96)).toMatch(/data-testid="data-window-clock">1:36</);
  });
  it('stands still at the switch, with the freeze and what the gate counted', () => {
    const events = [clone, ev('freeze.on', { at: at(-1) }), ev('promotion.lost-writes', { message: 'Blue took 1 write since the clone point: user lw-alice created.' }), ev('traffic.switched', { at: at(130), to: 'green' }), ev('freeze.off', { at: at(140) })];
    const later = render(events, true, 500);
    expect(later).toContain('data-open="false"');
    expect(later).toMatch(/data-testid="data-window-clock">2:10</);
    expect(later).toContain('from the clone point to the switch');
    expect(later).toMatch(/Writes on blue: frozen from \d\d:\d\d:\d\d to \d\d:\d\d:\d\d\./);
    expect(later).toContain('Counted at the gate: Blue took 1 write since the clone point: user lw-alice created.');
  });
  it('shows nothing for a run that moved no data', () => {
    expect(render([ev('upgrade.decided', { planRunId, strategy: 'rolling' })], true, 10)).toBe('');
  });
});

describe('the data window of a restore rollback: from its backup to the swap', () => {
  const at = (s: number) => new Date(Date.parse('2025-01-01T00:00:30.000Z') + s * 1000).toISOString();
  const planned = ev('rollback.planned', { mode: 'restore', lostWrites: 'Every write since the backup (3 min ago). 1 user(s) created since the backup would be lost: late (lab).', lostWriteLines: ['1 user(s) created since the backup would be lost: late (lab).'], backupTakenAt: at(0) }, at(170));
  const render = (events: RunEvent[], live: boolean, nowS: number) =>
    renderToStaticMarkup(createElement(DataWindowView, { events, live, kind: 'restore', serving: null, nowMs: Date.parse(at(nowS)) }));
  it('ticks from the backup until the restore swaps the databases, then stands still', () => {
    const running = render([planned], true, 200);
    expect(running).toMatch(/data-testid="data-window-clock">3:20</);
    expect(running).toContain('since the backup');
    expect(running).toContain('Writes since the backup stay only in the migrated database');
    expect(running).toContain('Counted before the confirmation: Every write since the backup (3 min ago). 1 user(s) created');
    const done = render([planned, ev('backup.restored', { keptAs: 'keycloak_migrated_202501010003' }, at(215))], true, 400);
    expect(done).toContain('data-open="false"');
    expect(done).toMatch(/data-testid="data-window-clock">3:35</);
    expect(done).toMatch(/restored at \d\d:\d\d:\d\d\./);
  });
  it('runs show --json reads the same window (shared/domain/data-safety)', () => {
    const d = dataSafetyOf([planned, ev('backup.restored', {}, at(215))], false, at(400));
    expect(d).toMatchObject({ clonePoint: at(0), switchedAt: at(215), windowMs: 215_000 });
  });
});
