/**
 * The blue/green section of the HTML report (and so of the PDF): the
 * `blueGreen` model as a change board reads it, in the order things
 * happened. Every value is escaped; the model was redacted before it got
 * here. Rows carry ids so the figures can be found in the page (tests, and a
 * reader's own scripts on the JSON's HTML twin).
 */
import type { ReportBlueGreen } from '../../shared/contract/report.ts';
import { escapeHtml as e } from './html-escape.ts';

const row = (rowId: string, label: string, value: string) => `<tr id="bg-${rowId}"><th>${e(label)}</th><td>${value}</td></tr>`;
const seconds = (n: number | null) => (n === null ? '–' : `${n} s`);

function builtRows(b: ReportBlueGreen): string[] {
  if (!b.built) return [row('built', 'Colour built', b.mode === 'upgrade' ? '<span class="muted">not built (the run stopped before)</span>' : '<span class="muted">none: a switch back builds nothing</span>')];
  const nodes = b.built.nodes.length
    ? `<table id="bg-node-table"><tr><th>Node</th><th>Address</th><th>Host key pinned (fingerprint)</th></tr>${b.built.nodes.map((n) => `<tr><td>${e(n.name)}</td><td>${e(n.address)}</td><td><code>${e(n.fingerprint ?? 'none recorded')}</code></td></tr>`).join('')}</table>`
    : '<span class="muted">no node recorded</span>';
  return [
    row('built', 'Colour built', `${e(b.built.colour)}, created ${e(b.built.provisionedAt)}; load balancer ${e(b.built.loadBalancer)}, database ${e(b.built.database)}`),
    row('nodes', 'Its nodes', nodes),
  ];
}

function checkRows(b: ReportBlueGreen): string[] {
  const c = b.checks;
  if (b.mode === 'switch-back' && !c.views.length && !c.smoke.length) return [];
  const views = c.views.length ? `<ul>${c.views.map((v) => `<li class="ok">${e(v.message)}</li>`).join('')}</ul>` : '<span class="muted">none recorded</span>';
  const smoke = c.smoke.length
    ? `<table id="bg-smoke-table"><tr><th>Smoke check (preview path)</th><th>Result</th></tr>${c.smoke.map((s) => `<tr><td>${e(s.check)}</td><td class="${s.ok ? 'ok' : 'bad'}">${s.ok ? 'passed' : `failed: ${e(s.message)}`}</td></tr>`).join('')}</table>`
    : '<span class="muted">none recorded</span>';
  return [
    row('views', 'Cluster views', views),
    row('smoke', 'Smoke checks', smoke),
    ...(c.error ? [row('check-error', 'Check failed', `<span class="bad">${e(c.error)}</span>`)] : []),
  ];
}

function promotionRow(b: ReportBlueGreen): string[] {
  const p = b.promotion;
  if (!p) return [];
  const how = p.mode === 'manual' ? 'manual (an operator promoted it)' : p.mode === 'auto' ? 'automatic, once its checks passed' : 'not recorded';
  const when = p.promotedAt
    ? `promoted ${e(p.promotedAt)} (gate passed ${e(p.gateFinishedAt)}${p.waitedSeconds !== null ? `, ${p.waitedSeconds} s waiting` : ''})`
    : p.gateFinishedAt ? `<strong>waiting for promotion since ${e(p.gateFinishedAt)}</strong>` : 'the gate was not reached';
  return [row('promotion', 'Promotion', `${e(how)}; ${when}`)];
}

function switchRows(b: ReportBlueGreen): string[] {
  const s = b.switch;
  const out = [row('switch', b.mode === 'switch-back' ? 'Switch back' : 'Switch', s
    ? `${e(s.at)}: ${e(s.name ?? 'the public name')} from ${e(s.from ?? '(unknown)')} → ${e(s.to)}${s.toColour ? ` (${e(s.toColour)})` : ''}${s.changed ? '' : ' <span class="muted">(already pointed there: a resumed step)</span>'}`
    : '<span class="muted">no switch: traffic never left the serving colour</span>')];
  const d = b.drain;
  if (d) {
    const from = e(d.fromColour ?? 'the old colour');
    const figure = d.lastRequestAfterSwitchSeconds === null
      ? `${from} received no request after the switch`
      : `All traffic off ${from} <strong>${d.lastRequestAfterSwitchSeconds} s</strong> after the switch (${e(d.sessionsAfterSwitch)} sessions reached it after the switch)`;
    out.push(row('drain', 'Old colour drained', `${figure}; counters read for ${seconds(d.waitedSeconds)}${d.stillReceiving ? '; <span class="bad">it still received requests at the end</span>' : ''}`));
  }
  const w = b.watch;
  if (w) {
    const reasons = Object.entries(w.failedByReason).map(([k, n]) => `${e(k)}: ${n}`).join(', ');
    out.push(row('watch', 'Watch after the switch', `<span class="${w.held ? 'ok' : 'bad'}">${w.held ? 'held' : 'not held'}</span> for ${seconds(w.watchedSeconds)}: ${w.requests} requests, ${w.failed} failed${reasons ? ` (${reasons})` : ''}${w.breach ? `; ${e(w.breach)}` : ''}`));
  }
  const back = b.switchBack;
  if (back) {
    const by = back.automatic ? 'automatically, by the watch' : `by rollback run ${e(back.runId)} (${e(back.status)})`;
    out.push(row('switch-back', 'Switched back', `to ${e(back.to)} ${by} at ${e(back.at)}${back.reason ? `: ${e(back.reason)}` : ''}`));
  }
  return out;
}

function colourRows(b: ReportBlueGreen): string[] {
  const after = b.coloursAfter ? `${e(b.coloursAfter.active)} active, ${e(b.coloursAfter.standby)} standby` : '<span class="muted">not recorded (the run did not get there)</span>';
  const now = b.coloursNow.length
    ? `<table id="bg-colours-now-table"><tr><th>Colour</th><th>Role</th><th>Keycloak</th><th>Since</th><th>Clone point</th></tr>${b.coloursNow.map((c) => `<tr><td>${e(c.colour)}</td><td>${e(c.role)}</td><td>${e(c.version)}</td><td>${e(c.since)}</td><td>${e(c.clonePoint ?? 'none')}</td></tr>`).join('')}</table>`
    : '<span class="muted">no live colour</span>';
  return [
    row('colours-after', 'Colours after the run', after),
    ...(b.destroyed.length ? [row('destroyed', 'Destroyed', e(b.destroyed.join(', ')))] : []),
    row('colours-now', 'Colours now (ledger)', now),
  ];
}

/** The section's heading and table, or nothing for a run of another strategy. */
export function blueGreenHtml(b: ReportBlueGreen | null): string {
  if (!b) return '';
  const cp = b.clonePoint;
  const rows = [
    row('mode', 'Run', b.mode === 'upgrade'
      ? `builds ${e(b.colour)} beside ${e(b.serving)}, which serves until the switch and stays as the standby`
      : `switches traffic back to ${e(b.colour)}${b.serving ? ` from ${e(b.serving)}` : ''}`),
    ...(b.mode === 'upgrade' ? [row('clone-point', 'Clone point', cp
      ? `backup ${e(cp.backupId)} taken ${e(cp.at)}; ${cp.verified ? `<span class="ok">verified by a restore${cp.verifiedAt ? ` ${e(cp.verifiedAt)}` : ''}</span>` : '<span class="bad">not verified</span>'}`
      : '<span class="muted">none recorded</span>')] : []),
    ...builtRows(b),
    ...(b.clone ? [row('clone', 'Clone', `${e(b.clone.changeSets)} change sets restored${b.clone.restored === false ? ' (restored earlier, kept)' : ''}; ${e(b.clone.jgroupsRowsCleared)} JGROUPS_PING rows of the serving colour's members cleared`)] : []),
    ...checkRows(b),
    ...promotionRow(b),
    ...switchRows(b),
    ...colourRows(b),
  ];
  return `<h2>Blue/green</h2>\n<table class="kv" id="blue-green">${rows.join('')}</table>`;
}
