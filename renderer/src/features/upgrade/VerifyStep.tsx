/**
 * Step 6: the result, in figures an operator can paste into a change record:
 * every node's version and final state, what the prober saw (requests,
 * failed, p50, p99) and how long it took.
 */
import { useMemo } from 'react';
import { useCluster } from '../../api/use-clusters.ts';
import { useProbeSummary } from '../../api/use-probe.ts';
import { useRun } from '../../api/use-runs.ts';
import { useRunEvents } from '../../api/use-run-events.ts';
import { useNav } from '../../app/nav-store.ts';
import { Badge } from '../../components/Badges.tsx';
import { QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { formatDateTime, formatDuration } from '../../lib/time.ts';
import { foldNodeStates, nodeCards, nodeVersion } from '../runs/rollout/node-states.ts';
import { useWizardStore } from './wizard-store.ts';

const ms = (v: number | null) => (v === null ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);

/** The Verify step for a succeeded run. */
export function VerifyStep({ cluster, runId }: { cluster: string; runId: string }) {
  const run = useRun(runId);
  const events = useRunEvents(runId, false);
  const probe = useProbeSummary(runId, false);
  const detail = useCluster(cluster);
  const reset = useWizardStore((s) => s.reset);
  const replace = useNav((s) => s.replace);
  const list = useMemo(() => events.data?.events ?? [], [events.data]);
  const probeDisabled = list.some((e) => e.kind === 'probe.disabled');
  // The version the run's own verify step recorded; the cluster may have moved on since (another run).
  const verified = useMemo(() => {
    for (let i = list.length - 1; i >= 0; i--) {
      const v = list[i]!.kind === 'cluster.version' ? list[i]!.data.version : undefined;
      if (typeof v === 'string') return v;
    }
    return null;
  }, [list]);

  if (run.isPending) return <Loading what="the run" />;
  if (run.isError) return <QueryError query={run} title="Could not load the run" />;
  const r = run.data.run;
  const cards = nodeCards(detail.data?.spec.nodes.map((n) => n.name) ?? [], foldNodeStates(list));
  const p = probe.data;

  return (
    <section className="panel wizard-panel" data-testid="wizard-verify">
      <h2 className="panel-title">Verify</h2>
      <div className="verify-figures">
        <div className="figure">
          <span className="small muted">cluster version {verified ? '(verified by the run)' : '(run target)'}</span>
          <span className="mono strong" data-testid="verify-version">
            {verified ?? r.toVersion}
          </span>
          {detail.data && detail.data.spec.keycloak.version !== (verified ?? r.toVersion) && (
            <span className="small text-warn">The cluster now records {detail.data.spec.keycloak.version}: it changed after this run.</span>
          )}
        </div>
        <div className="figure">
          <span className="small muted">duration</span>
          <span className="mono strong" data-testid="verify-duration" title={`${formatDateTime(r.startedAt)} → ${formatDateTime(r.finishedAt)}`}>
            {formatDuration(r.startedAt, r.finishedAt)}
          </span>
        </div>
        <div className={`figure${p && p.failed > 0 ? ' figure-bad' : ''}`} data-testid="verify-probe">
          <span className="small muted">prober</span>
          {probe.isError ? (
            <span className="muted">no figures: {probe.error.message}</span>
          ) : !p ? (
            <span className="muted">…</span>
          ) : p.requests === 0 ? (
            <span className="text-warn">{probeDisabled ? 'availability was not measured' : 'no requests recorded'}</span>
          ) : (
            <span className="mono">
              <strong data-testid="verify-probe-failed">{p.failed}</strong> failed of <strong data-testid="verify-probe-requests">{p.requests}</strong> · p50 {ms(p.p50Ms)} · p99 {ms(p.p99Ms)}
            </span>
          )}
        </div>
      </div>
      {p && p.requests > 0 && (
        <div className={`banner ${p.failed === 0 ? 'banner-ok' : 'banner-error'}`} data-testid="verify-verdict">
          <div className="banner-body">
            <div className="banner-message">
              {p.failed === 0 ? `Zero failed requests out of ${p.requests} during the upgrade.` : `${p.failed} of ${p.requests} requests failed during the upgrade.`}
            </div>
            {p.failed > 0 && <div className="banner-hint">By reason: {Object.entries(p.failuresByReason).map(([k, n]) => `${k} ${n}`).join(', ')}</div>}
          </div>
        </div>
      )}

      <table className="table table-compact" data-testid="verify-nodes">
        <thead>
          <tr>
            <th>Node</th>
            <th>Keycloak</th>
            <th>Final state</th>
            <th>Last message</th>
          </tr>
        </thead>
        <tbody>
          {cards.map((c) => (
            <tr key={c.node} data-testid={`verify-node-${c.node}`} data-state={c.state ?? 'none'}>
              <td className="mono strong">{c.node}</td>
              <td className="mono">{nodeVersion(c.state, r, c.state ? c.reconciledVersion : null) ?? '—'}</td>
              <td>{c.state ? <Badge tone={c.state === 'joined' ? 'ok' : c.state === 'failed' ? 'bad' : 'warn'}>{c.state}</Badge> : <span className="muted">—</span>}</td>
              <td className="small">{c.state ? c.message : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <div className="wizard-actions">
        <span className="spacer" />
        <button
          type="button"
          className="btn btn-primary"
          data-testid="wizard-done"
          onClick={() => {
            reset(cluster);
            replace({ name: 'cluster', cluster });
          }}
        >
          Done
        </button>
      </div>
    </section>
  );
}
