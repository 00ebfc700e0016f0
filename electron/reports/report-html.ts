/**
 * The run report as one self-contained HTML file: styles inline, the chart
 * an inline SVG, a Content-Security-Policy that lets the page fetch nothing
 * and run no script, so it opens the same offline, from a mail attachment or
 * a change ticket. The PDF is Chromium's print of this same page.
 *
 * A run still going says so on every page: the banner sits in a table
 * header, which Chromium repeats at the top of every printed page.
 */
import type { RunReport } from '../../shared/contract/report.ts';
import { blueGreenHtml } from './report-blue-green-html.ts';
import { availabilitySvg } from './report-chart.ts';
import { escapeHtml as e } from './html-escape.ts';

const css = `
  body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2430; margin: 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 22px 0 6px; border-bottom: 1px solid #d5dae1; padding-bottom: 2px; break-after: avoid; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: 3px 6px; border-bottom: 1px solid #eceff3; }
  th { background: #f4f6f8; font-weight: 600; } tr { break-inside: avoid; }
  table.kv th { width: 28%; background: none; font-weight: 600; } table.kv table th { width: auto; background: #f4f6f8; }
  table.page, table.page > * > tr > td { border: 0; padding: 0; }
  .banner { background: #b45309; color: #fff; font-weight: 700; padding: 6px 10px; margin-bottom: 10px; letter-spacing: .03em; }
  .muted { color: #5b6573; } .ok { color: #166534; } .bad { color: #b91c1c; }
  .status-succeeded { color: #166534; font-weight: 600; } .status-failed, .status-aborted { color: #b91c1c; font-weight: 600; }
  pre { white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: 8px; font-size: 11px; max-height: none; }
  svg text { font: 10px system-ui, sans-serif; fill: #1d2430; } svg rect.ok { fill: #22c55e; } svg rect.failed { fill: #dc2626; }
  svg rect.maintenance { fill: #f59e0b; opacity: .22; } svg line.axis { stroke: #5b6573; } svg line.switch { stroke: #2563eb; stroke-width: 2; }
  @page { size: A4; }
`;

const row = (label: string, value: string) => `<tr><th>${e(label)}</th><td>${value}</td></tr>`;
const kv = (rows: string[]) => `<table class="kv">${rows.join('')}</table>`;
const ms = (n: number | null) => (n === null ? '–' : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`);
const changesTable = (list: RunReport['versions']['options'], none: string) => list.length
  ? `<table><tr><th>Key</th><th>Before</th><th>After</th></tr>${list.map((c) => `<tr><td>${e(c.key)}</td><td>${e(c.from ?? '(not set)')}</td><td>${e(c.to ?? '(removed)')}</td></tr>`).join('')}</table>`
  : `<p class="muted">${e(none)}</p>`;

/** The document title: cluster, run and when, as the PDF header repeats them. */
export function reportTitle(r: RunReport): string {
  return `Keyturn run report: ${r.change.cluster ?? 'no cluster'}, ${r.run.kind} ${r.run.id}`;
}

function decision(r: RunReport): string {
  const d = r.decision;
  if (!d) return '<p class="muted">This run had no update-compatibility plan (a rollback or a lab run decides from the ledger).</p>';
  return kv([
    row('kc.sh update-compatibility check', `exit code <strong>${e(d.exitCode)}</strong> (${e(d.verdict)})`),
    row('Plan', `${e(d.planRunId)}, computed ${e(d.computedAt)}`),
    row('Recommended', `${e(d.recommended ?? 'no strategy')}: ${e(d.recommendation)}`),
    row('Reasons', d.reasons.length ? `<ul>${d.reasons.map((x) => `<li>${e(x.message)}${x.forcesRecreate ? ' <em>(rules out rolling)</em>' : ''}</li>`).join('')}</ul>` : 'none'),
    row('Command', `<code>${e(d.command.join(' '))}</code>`),
  ]) + `<p>kc.sh's own words:</p><pre>${e(d.kcshOutput || '(no output)')}</pre>`;
}

/** Time of day (UTC) of a step, with its date only when it is not the run's start date. */
const timeOf = (at: string | null, day: string) => (at === null ? '–' : e(at.slice(0, 10) === day ? at.slice(11, 19) : `${at.slice(0, 10)} ${at.slice(11, 19)}`));

function steps(r: RunReport): string {
  const day = (r.run.startedAt ?? r.run.createdAt).slice(0, 10);
  const body = r.steps.map((s) => `<tr><td>${s.seq}</td><td>${e(s.title)}</td><td>${e(s.node)}</td><td>${s.planned ? 'yes' : '<span class="bad">no</span>'}</td><td class="status-${e(s.status)}">${e(s.status)}</td><td>${timeOf(s.startedAt, day)}</td><td>${timeOf(s.finishedAt, day)}</td><td>${ms(s.durationMs)}</td><td>${e(s.error ?? '')}</td></tr>`).join('');
  return `<table id="steps"><thead><tr><th>#</th><th>Step</th><th>Node</th><th>Planned</th><th>Outcome</th><th>Started (UTC, ${e(day)})</th><th>Finished</th><th>Took</th><th>Error</th></tr></thead><tbody>${body}</tbody></table>`;
}

function nodes(r: RunReport): string {
  if (r.nodes.length === 0) return '<p class="muted">No node states were recorded.</p>';
  return `<table id="nodes"><tr><th>Node</th><th>Final state</th><th>Timeline</th></tr>${r.nodes.map((n) => `<tr><td>${e(n.node)}</td><td>${e(n.finalState)}</td><td>${n.timeline.map((t) => `${e(t.at.slice(11, 19))} ${e(t.state)}`).join(' → ') || '–'}</td></tr>`).join('')}</table>`;
}

function availability(r: RunReport): string {
  const a = r.availability;
  if (!a.probed) return `<p class="muted">${e(a.note)}</p>`;
  const reasons = Object.entries(a.failedByReason).map(([k, n]) => `${e(k)}: ${n}`).join(', ') || 'none';
  return kv([
    row('Requests', `${a.requests} (${a.ok} ok, <span class="${a.failed ? 'bad' : 'ok'}">${a.failed} failed</span>)`),
    row('Failed by reason', reasons),
    row('Latency (successful requests)', `p50 ${ms(a.p50Ms)}, p99 ${ms(a.p99Ms)}, max ${ms(a.maxMs)}`),
    row('First / last failure', `${e(a.firstFailureAt)} / ${e(a.lastFailureAt)}`),
    row('Maintenance window', a.maintenance ? `${e(a.maintenance.startedAt)} to ${e(a.maintenance.endedAt ?? 'still on')}` : 'none'),
    row('Switch moment', e(a.switchAt ?? 'none')),
    row('Downtime', a.maintenance || a.measuredDowntimeSeconds !== null || a.predictedDowntimeSeconds
      ? `predicted ${a.predictedDowntimeSeconds ?? '–'} s, measured ${a.measuredDowntimeSeconds ?? 0} s (first to last failed request in the outage)`
      : 'none planned: no step takes the service down'),
    row('Probed', `${e(a.firstRequestAt)} to ${e(a.lastRequestAt)}`),
  ]) + (availabilitySvg(a) ?? '');
}

function body(r: RunReport): string {
  const c = r.change;
  const b = r.backup;
  const d = r.dataSafety;
  return [
    `<h1>${e(reportTitle(r))}</h1>`,
    `<p class="muted">Generated ${e(r.generatedAt)} from the Keyturn ledger (report schema ${r.schemaVersion}).</p>`,
    kv([
      row('Status', `<span class="status-${e(r.run.status)}">${e(r.run.status)}</span>${r.run.error ? `: ${e(r.run.error.message)} <span class="muted">(hint: ${e(r.run.error.hint)})</span>` : ''}`),
      row('Final state', e(r.finalState.summary)),
      row('Run', `${e(r.run.startedAt)} to ${e(r.run.finishedAt ?? 'not ended')} (${ms(r.run.durationMs)})`),
    ]),
    '<h2>The change</h2>',
    kv([row('Cluster', e(c.cluster)), row('Environment', e(c.environment)), row('Started from', e(c.origin ?? 'not recorded')), row('Started by', e(c.startedBy ?? 'not recorded')), row('Executed by', e(c.executedBy))]),
    '<h2>Versions</h2>',
    kv([row('From → to', `${e(r.versions.from)} → ${e(r.versions.to)}${r.versions.change ? ` (${e(r.versions.change)})` : ''}`)]),
    changesTable(r.versions.options, 'No Keycloak option changed.'),
    changesTable(r.versions.features, 'No feature changed.'),
    '<h2>The decision</h2>', decision(r),
    '<h2>Strategy</h2>',
    kv([row('Strategy', e(r.strategy.name)), row('Why', e(r.strategy.why)), row('Downtime promised', e(r.strategy.downtime)), row('Canary', e(r.strategy.canary === null ? null : r.strategy.canary ? 'yes' : 'no'))]),
    '<h2>Backup</h2>',
    b ? kv([row('Id', e(b.id)), row('Taken', `${e(b.createdAt)}${b.walLsn ? ` (WAL position ${e(b.walLsn)})` : ''}`), row('Size', `${b.size} bytes`), row('sha256', `<code>${e(b.sha256)}</code>`), row('Keycloak version', e(b.keycloakVersion)),
      row('Verified by a restore', b.verifiedAt ? e(b.verifiedAt) : b.lastVerification ? `<span class="bad">last verification failed ${e(b.lastVerification.at)}: ${e(b.lastVerification.error)}</span>` : 'not verified')])
      : '<p class="muted">No backup belongs to this run.</p>',
    '<h2>Steps</h2>', steps(r),
    '<h2>Nodes</h2>', nodes(r),
    blueGreenHtml(r.blueGreen),
    '<h2>Availability</h2>', availability(r),
    '<h2>Data safety</h2>',
    kv([row('Clone point', e(d.clonePoint ?? 'none')), row('Window', d.windowSeconds === null ? '–' : `${d.windowSeconds} s from the clone point to the restore or switch`),
      row('Lost writes', d.lostWrites.length ? `<ul>${d.lostWrites.map((l) => `<li>${e(l)}</li>`).join('')}</ul>` : 'none recorded'),
      row('Sessions', d.sessions ? `${e(d.sessions.policy)}: ${e(d.sessions.onlineUserSessions)} online and ${e(d.sessions.offlineUserSessions)} offline user sessions dropped` : 'none recorded')]),
    '<h2>The way back</h2>',
    `<p>${e(r.wayBack.summary)}</p>`,
    r.wayBack.command ? `<p>Command: <code>${e(r.wayBack.command)}</code></p>` : '',
    r.wayBack.rollbacks.length ? `<table><tr><th>Rollback run</th><th>Mode</th><th>Status</th><th>Started</th><th>Finished</th></tr>${r.wayBack.rollbacks.map((x) => `<tr><td>${e(x.id)}</td><td>${e(x.mode)}</td><td>${e(x.status)}</td><td>${e(x.startedAt)}</td><td>${e(x.finishedAt)}</td></tr>`).join('')}</table>` : '',
    r.wayBack.undoes ? `<p>This rollback undoes run ${e(r.wayBack.undoes)}.</p>` : '',
    '<h2>Final state</h2>',
    kv([row('Status', e(r.finalState.status)), row('Version reached', e(r.finalState.reachedVersion ?? 'not reached')), row('Cluster version now (ledger)', e(r.finalState.clusterVersionNow))]),
  ].join('\n');
}

/** The whole page. */
export function renderReportHtml(r: RunReport): string {
  const banner = r.inProgress ? `<div class="banner" id="in-progress">IN PROGRESS: run ${e(r.run.id)} is ${e(r.run.status)}; this report shows it as of ${e(r.generatedAt)}.</div>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(reportTitle(r))}</title>
<style>${css}</style></head>
<body><table class="page">${banner ? `<thead><tr><td>${banner}</td></tr></thead>` : ''}<tbody><tr><td>
${body(r)}
</td></tr></tbody></table></body></html>
`;
}
