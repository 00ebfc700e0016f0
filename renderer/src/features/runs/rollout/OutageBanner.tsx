/**
 * The downtime of a recreate or restore run, said where nobody can miss it:
 * while the load balancer is in maintenance a banner with a clock counting
 * up from the first failed probe request (or the maintenance itself) and
 * what clients get (the maintenance 503, apart from anything worse); after
 * the run, the downtime the plan predicted next to the one the prober
 * measured, with where the prediction came from when the run said (recorded
 * steps or defaults), so a miss can be judged. Upgrades and the rollbacks
 * that stop every node (restore, recreate-back) read the same. A rolling
 * run has no outage and shows nothing here.
 */
import type { ReactNode } from 'react';
import { formatCounter, formatSeconds } from '../../../lib/time.ts';
import { useNow } from '../../../lib/use-now.ts';
import { outageElapsedMs, type MeasuredDowntime, type Outage, type RestoreFacts } from './outage.ts';

interface OutageBannerProps {
  outage: Outage | null;
  /** The run is still going: the clock runs until now, else until the run finished. */
  live: boolean;
  runFinishedAt: string | null;
}

/** The live banner and the after-run figures, ticking once a second while live. */
export function OutageBanner(props: OutageBannerProps) {
  const now = useNow(props.live ? 1_000 : 60_000);
  return <OutageBannerView {...props} nowMs={now} />;
}

const failureList = (f: Record<string, number>) =>
  Object.entries(f)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');

function ProberLine({ outage }: { outage: Outage }) {
  const other = failureList(outage.otherFailures);
  return (
    <div className="banner-hint" data-testid="maintenance-answers">
      Prober: {outage.maintenanceAnswers} maintenance answer{outage.maintenanceAnswers === 1 ? '' : 's'} (503 with Retry-After)
      {other ? (
        <span className="text-bad strong" data-testid="maintenance-other-failures">
          ; also {other}: clients should only ever get the maintenance answer
        </span>
      ) : (
        ', nothing worse'
      )}
      .
    </div>
  );
}

function Clock({ ms, label, testId }: { ms: number | null; label: string; testId: string }) {
  return (
    <div className="downtime-clock">
      <span className="downtime-clock-value mono" data-testid={testId}>
        {ms === null ? '—' : formatCounter(ms)}
      </span>
      <span className="downtime-clock-label small">{label}</span>
    </div>
  );
}

/** Where the prediction comes from, when the run recorded it. */
function Basis({ outage }: { outage: Outage }) {
  if (outage.predictedSeconds === null || outage.predictedBasis === null) return null;
  return (
    <div className="banner-hint muted small" data-testid="downtime-basis">
      Predicted about {formatSeconds(outage.predictedSeconds)} ({outage.predictedBasis}).
    </div>
  );
}

function Restored({ r }: { r: RestoreFacts }) {
  const dropped = r.onlineUserSessions !== null ? `${r.onlineUserSessions} online and ${r.offlineUserSessions ?? 0} offline user sessions dropped` : null;
  return (
    <div className="small" data-testid="restore-facts">
      Database restored from the backup{r.keptAs && <>; the migrated one is kept as <span className="mono">{r.keptAs}</span></>}
      {dropped && <>. Sessions ({r.policy ?? 'policy'}): {dropped}</>}
      {r.jgroupsRowsCleared !== null && <>; {r.jgroupsRowsCleared} JGROUPS_PING rows cleared</>}.
    </div>
  );
}

function Result({ m, basis, restored }: { m: MeasuredDowntime; basis: string | null; restored: RestoreFacts | null }) {
  const other = failureList(m.otherFailures);
  const over = m.predictedSeconds !== null && m.measuredSeconds !== null && m.measuredSeconds > m.predictedSeconds;
  return (
    <section className="panel panel-tight downtime-result" data-testid="downtime-result">
      <h2 className="panel-title">Downtime</h2>
      <dl className="figures">
        <div className="figure">
          <dt>predicted</dt>
          <dd className="mono" data-testid="downtime-predicted">
            {m.predictedSeconds === null ? '—' : formatSeconds(m.predictedSeconds)}
          </dd>
        </div>
        <div className={`figure${other ? ' figure-bad' : over ? ' figure-warn' : ' figure-ok'}`}>
          <dt>measured</dt>
          <dd className="mono" data-testid="downtime-measured">
            {m.measuredSeconds === null ? '0 s' : formatSeconds(m.measuredSeconds)}
          </dd>
        </div>
        <div className="figure">
          <dt>maintenance answers</dt>
          <dd className="mono">{m.maintenanceAnswers}</dd>
        </div>
      </dl>
      <div className="small">
        {m.measuredSeconds === null
          ? 'The prober saw no failed request.'
          : `Measured by the prober from the first to the last failed request${m.boundSeconds !== null ? `; at most ${formatSeconds(m.boundSeconds)} between the last success before and the first after` : ''}.`}{' '}
        {other ? (
          <span className="text-bad strong" data-testid="downtime-other-failures">
            Besides the maintenance answers, clients got {other}.
          </span>
        ) : (
          <span className="text-ok">Clients got only the maintenance answer, no refused connection or timeout.</span>
        )}
      </div>
      {basis && m.predictedSeconds !== null && (
        <div className="muted small" data-testid="downtime-predicted-basis">
          Prediction basis: {basis}.
        </div>
      )}
      {restored && <Restored r={restored} />}
    </section>
  );
}

function Banner({ tone, testId, title, clock, children }: { tone: 'warn' | 'error' | 'ok'; testId: string; title: string; clock: ReactNode; children: ReactNode }) {
  return (
    <div className={`banner banner-${tone} outage-banner`} role={tone === 'ok' ? undefined : 'status'} data-testid={testId}>
      <div className="banner-body">
        <div className="banner-title">{title}</div>
        {children}
      </div>
      {clock}
    </div>
  );
}

/** The banner for a given moment (`nowMs`), so tests and the live view render the same thing. */
export function OutageBannerView({ outage, live, runFinishedAt, nowMs }: OutageBannerProps & { nowMs: number }) {
  if (!outage) return null;
  if (outage.measured) return <Result m={outage.measured} basis={outage.predictedBasis} restored={outage.restored} />;
  const elapsed = outageElapsedMs(outage, nowMs, live ? null : runFinishedAt);
  const predicted = outage.predictedSeconds !== null ? `predicted ${formatSeconds(outage.predictedSeconds)}` : 'no prediction';

  if (outage.phase === 'maintenance') {
    return (
      <Banner
        tone="warn"
        testId="maintenance-banner"
        title={live ? 'Maintenance: every request gets 503 with Retry-After' : 'Maintenance is still on'}
        clock={<Clock ms={elapsed} label={live ? `downtime so far · ${predicted}` : 'downtime when the run stopped'} testId="downtime-counter" />}
      >
        <div className="banner-message">
          {live
            ? `${outage.servers.length ? outage.servers.join(', ') : 'Every node'} out of rotation; clients are told to retry. It ends as soon as the first started node answers ready.`
            : 'The run stopped with every node down: clients get the maintenance answer until a Rollback (restore) or Resume ends it.'}
        </div>
        <ProberLine outage={outage} />
        <Basis outage={outage} />
      </Banner>
    );
  }
  if (outage.phase === 'stopped') {
    return (
      <Banner tone="error" testId="cluster-down-banner" title="Every node is stopped" clock={<Clock ms={elapsed} label={`downtime so far · ${predicted}`} testId="downtime-counter" />}>
        <div className="banner-message">No load balancer answers for the cluster: clients get connection errors until the first node is ready.</div>
        <ProberLine outage={outage} />
        <Basis outage={outage} />
      </Banner>
    );
  }
  if (outage.phase === 'over') {
    return (
      <Banner tone="ok" testId="maintenance-over" title="Clients are served again" clock={<Clock ms={elapsed} label={`downtime · ${predicted}`} testId="downtime-counter" />}>
        <div className="banner-message">
          {outage.endedBy ? <span className="mono">{outage.endedBy}</span> : 'The first node'} serves; the other nodes follow. The measured figure comes when the run ends.
        </div>
        <ProberLine outage={outage} />
        <Basis outage={outage} />
        {outage.restored && <Restored r={outage.restored} />}
      </Banner>
    );
  }
  return null;
}
