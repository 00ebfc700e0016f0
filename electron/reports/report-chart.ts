/**
 * The availability timeline as an inline SVG, drawn from the report's slices
 * (no chart library: the HTML must open offline, with scripts off, and print
 * the same in Chromium's PDF). Successful requests stack in green, failed
 * ones in red on top; the maintenance window is shaded and the switch moment
 * is a vertical line.
 */
import type { ReportAvailability } from '../../shared/contract/report.ts';
import { escapeHtml } from './html-escape.ts';

const width = 900;
const height = 240;
const pad = { left: 48, right: 12, top: 14, bottom: 34 };

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** The chart, or null when there is nothing to draw (no samples). */
export function availabilitySvg(a: ReportAvailability): string | null {
  if (a.slices.length === 0) return null;
  const t0 = a.slices[0]!.t;
  const t1 = a.slices[a.slices.length - 1]!.t + a.sliceMs;
  const peak = Math.max(1, ...a.slices.map((s) => s.ok + s.failed));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const x = (t: number) => pad.left + ((Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0)) * plotW;
  const y = (n: number) => pad.top + plotH - (n / peak) * plotH;
  const barW = Math.max(0.5, plotW / a.slices.length);
  const parts: string[] = [];

  if (a.maintenance) {
    const from = x(Date.parse(a.maintenance.startedAt));
    const to = a.maintenance.endedAt ? x(Date.parse(a.maintenance.endedAt)) : x(t1);
    parts.push(`<rect class="maintenance" x="${from.toFixed(1)}" y="${pad.top}" width="${Math.max(1, to - from).toFixed(1)}" height="${plotH}"><title>maintenance window</title></rect>`);
  }
  for (const s of a.slices) {
    const left = x(s.t).toFixed(2);
    if (s.ok > 0) parts.push(`<rect class="ok" x="${left}" y="${y(s.ok).toFixed(2)}" width="${barW.toFixed(2)}" height="${(y(0) - y(s.ok)).toFixed(2)}"/>`);
    if (s.failed > 0) parts.push(`<rect class="failed" x="${left}" y="${y(s.ok + s.failed).toFixed(2)}" width="${barW.toFixed(2)}" height="${(y(s.ok) - y(s.ok + s.failed)).toFixed(2)}"><title>${s.failed} failed at ${clock(s.t)}</title></rect>`);
  }
  if (a.switchAt) {
    const sx = x(Date.parse(a.switchAt)).toFixed(1);
    parts.push(`<line class="switch" x1="${sx}" x2="${sx}" y1="${pad.top}" y2="${pad.top + plotH}"/><text x="${sx}" y="${pad.top - 3}" text-anchor="middle">switch</text>`);
  }
  const axis = [
    `<line class="axis" x1="${pad.left}" x2="${width - pad.right}" y1="${y(0)}" y2="${y(0)}"/>`,
    `<line class="axis" x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${y(0)}"/>`,
    `<text x="${pad.left - 6}" y="${pad.top + 8}" text-anchor="end">${peak}</text>`,
    `<text x="${pad.left - 6}" y="${y(0)}" text-anchor="end">0</text>`,
    `<text x="${pad.left}" y="${height - 14}">${clock(t0)} UTC</text>`,
    `<text x="${width - pad.right}" y="${height - 14}" text-anchor="end">${clock(t1)} UTC</text>`,
    `<text x="${pad.left + plotW / 2}" y="${height - 2}" text-anchor="middle">requests per ${a.sliceMs / 1000} s: ok (green), failed (red)${a.maintenance ? ', maintenance window shaded' : ''}</text>`,
  ];
  const label = `Availability timeline: ${a.requests} requests, ${a.failed} failed`;
  return `<svg id="availability-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>${parts.join('')}${axis.join('')}</svg>`;
}
