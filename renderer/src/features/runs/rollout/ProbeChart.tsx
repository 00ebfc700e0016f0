/**
 * What clients saw, second by second: successful requests per second (area),
 * failed ones (red bars, drawn only where there are any, so a clean run has
 * no red on it at all) and p99 latency (line, right axis).
 * Node transitions, and a blue/green run's traffic switch (and switch back),
 * are marked so a dip lines up with what caused it.
 * No animation: a live chart that wobbles on every tick reads as alarm.
 */
import { useMemo, useState } from 'react';
import { Area, Bar, CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunEvent } from '../../../../../shared/contract/index.ts';
import { chartMarks, type ChartMark } from './chart-marks.ts';
import { windowPoints, type ProbePoint } from './probe-series.ts';

const MAX_POINTS = 600;
const WINDOW_MS = 10 * 60_000;

const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' });
const fmt = (v: unknown, unit: string) => (typeof v === 'number' ? `${v < 10 && v % 1 !== 0 ? v.toFixed(1) : Math.round(v)}${unit}` : '—');

const markStroke: Record<ChartMark['kind'], string> = { 'node-out': 'var(--warn)', 'node-back': 'var(--ok)', switch: 'var(--info)', 'switch-back': 'var(--bad)' };

/** The live chart; `points` come from `mergeProbeSeries`; `unmeasured` when the run has no prober. */
export function ProbeChart({ points, events, unmeasured = false }: { points: ProbePoint[]; events: readonly RunEvent[]; unmeasured?: boolean }) {
  const [whole, setWhole] = useState(false);
  const data = useMemo(() => windowPoints(points, whole ? null : WINDOW_MS, MAX_POINTS), [points, whole]);
  const marks = useMemo(() => {
    const first = data[0]?.t ?? 0;
    return chartMarks(events).filter((m) => m.t >= first);
  }, [events, data]);

  return (
    <div className="probe-chart" data-testid="probe-chart" data-points={data.length}>
      <div className="probe-chart-head">
        <span className="legend">
          <span className="legend-swatch legend-ok" /> ok/s
          <span className="legend-swatch legend-bad" /> failed/s
          <span className="legend-swatch legend-line" /> p99 ms
        </span>
        <span className="spacer" />
        <div className="segmented" role="group" aria-label="Chart range">
          <button type="button" className={`segment${whole ? '' : ' segment-on'}`} aria-pressed={!whole} onClick={() => setWhole(false)}>
            10 min
          </button>
          <button type="button" className={`segment${whole ? ' segment-on' : ''}`} aria-pressed={whole} onClick={() => setWhole(true)}>
            whole run
          </button>
        </div>
      </div>
      {data.length === 0 ? (
        <div className={`probe-chart-empty muted small${unmeasured ? ' probe-chart-empty-short' : ''}`}>{unmeasured ? 'Not measured.' : 'No probe data yet.'}</div>
      ) : (
        <ResponsiveContainer width="100%" height={200}>
          <ComposedChart data={data} margin={{ top: 8, right: 4, bottom: 0, left: -12 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="2 4" vertical={false} />
            <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={clock} stroke="var(--text-faint)" fontSize={11} minTickGap={40} />
            <YAxis yAxisId="rate" stroke="var(--text-faint)" fontSize={11} allowDecimals={false} width={44} />
            <YAxis yAxisId="ms" orientation="right" stroke="var(--text-faint)" fontSize={11} width={44} />
            <Tooltip
              isAnimationActive={false}
              labelFormatter={(t) => clock(Number(t))}
              formatter={(v, name) => [fmt(v, name === 'p99' ? ' ms' : '/s'), String(name)]}
              contentStyle={{ background: 'var(--surface-2)', border: '1px solid var(--border)', fontSize: 12 }}
            />
            {marks.map((m) => {
              const traffic = m.kind === 'switch' || m.kind === 'switch-back';
              return (
                <ReferenceLine
                  key={`${m.t}-${m.label}`}
                  yAxisId="rate"
                  x={m.t}
                  stroke={markStroke[m.kind]}
                  strokeWidth={traffic ? 2 : 1}
                  strokeDasharray={traffic ? undefined : '3 3'}
                  className={`probe-mark probe-mark-${m.kind}`}
                  label={{ value: m.label, position: m.kind === 'node-back' ? 'insideBottomLeft' : 'insideTopLeft', fontSize: traffic ? 11 : 10, fill: traffic ? 'var(--text)' : 'var(--text-muted)' }}
                />
              );
            })}
            <Area yAxisId="rate" dataKey="ok" name="ok" type="stepAfter" stroke="var(--ok)" fill="var(--ok)" fillOpacity={0.16} isAnimationActive={false} />
            <Bar yAxisId="rate" dataKey="failed" name="failed" fill="var(--bad)" minPointSize={0} maxBarSize={6} isAnimationActive={false} />
            <Line yAxisId="ms" dataKey="p99" name="p99" type="monotone" stroke="var(--info)" dot={false} strokeWidth={1.5} connectNulls isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}
