/** Compact per-resource (Terraform) and per-host (Ansible) progress of a provisioning run. */
import type { HostStatus, LabProgress, ResourceStatus } from './lab-progress.ts';

const resourceIcon: Record<ResourceStatus, string> = { applying: '◌', complete: '✓', errored: '✕' };
const hostIcon: Record<HostStatus, string> = { running: '◌', ok: '✓', failed: '✕' };
const tone = (s: ResourceStatus | HostStatus) => (s === 'complete' || s === 'ok' ? 'ok' : s === 'errored' || s === 'failed' ? 'bad' : 'info');

/** Resources and hosts lists; renders nothing when the run has neither. */
export function LabProgressPanel({ progress }: { progress: LabProgress }) {
  if (progress.resources.length === 0 && progress.hosts.length === 0) return null;
  const done = progress.resources.filter((r) => r.status === 'complete').length;
  return (
    <div className="progress-panels">
      {progress.resources.length > 0 && (
        <section className="panel panel-tight" data-testid="lab-resources">
          <h2 className="panel-title">
            Resources <span className="muted small">{done}/{progress.resources.length} created</span>
          </h2>
          <ul className="progress-list">
            {progress.resources.map((r) => (
              <li key={r.resource} className={`progress-item tone-${tone(r.status)}`} title={r.detail ?? r.status} data-testid={`resource-${r.resource}`}>
                <span className={`progress-icon${r.status === 'applying' ? ' spin' : ''}`} aria-hidden="true">
                  {resourceIcon[r.status]}
                </span>
                <span className="mono truncate">{r.resource}</span>
                <span className="progress-state">{r.status}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {progress.hosts.length > 0 && (
        <section className="panel panel-tight" data-testid="lab-hosts">
          <h2 className="panel-title">Hosts</h2>
          <ul className="progress-list">
            {progress.hosts.map((h) => (
              <li key={h.node} className={`progress-item tone-${tone(h.status)}`} title={h.detail ?? undefined} data-testid={`host-${h.node}`}>
                <span className={`progress-icon${h.status === 'running' ? ' spin' : ''}`} aria-hidden="true">
                  {hostIcon[h.status]}
                </span>
                <span className="mono strong">{h.node}</span>
                <span className="truncate muted">{h.task ?? '—'}</span>
                <span className="progress-state">
                  {h.okCount} ok{h.failedCount > 0 && <span className="text-bad"> · {h.failedCount} failed</span>}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
