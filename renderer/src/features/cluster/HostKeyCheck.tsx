/**
 * "Test connection": read every node's SSH host key without logging in, let
 * the operator compare fingerprints with what the hosts report themselves,
 * pin only what they confirmed, then log in once per node to prove it works.
 * A changed key is never pinned from here: it can mean a man in the middle.
 */
import { useState } from 'react';
import type { HostKeyScan } from '../../../../shared/contract/index.ts';
import { usePinHostKeys, useScanHostKeys } from '../../api/use-clusters.ts';
import { Badge } from '../../components/Badges.tsx';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { hostPort } from './format-spec.ts';

const statusBadge: Record<HostKeyScan['status'], { tone: 'info' | 'ok' | 'bad' | 'warn'; label: string }> = {
  new: { tone: 'info', label: 'new — not pinned' },
  match: { tone: 'ok', label: 'matches pinned key' },
  changed: { tone: 'bad', label: 'CHANGED' },
  unreachable: { tone: 'warn', label: 'unreachable' },
};

/** The scan → compare → pin → login-test flow for one cluster. */
export function HostKeyCheck({ cluster }: { cluster: string }) {
  const scan = useScanHostKeys();
  const pin = usePinHostKeys();
  const [compared, setCompared] = useState(false);

  const start = () => {
    setCompared(false);
    pin.reset();
    scan.mutate(cluster);
  };

  const results = scan.data ?? [];
  const confirmable = results.filter((r) => (r.status === 'new' || r.status === 'match') && r.fingerprint);
  const changed = results.filter((r) => r.status === 'changed');

  const confirm = () =>
    pin.mutate({ name: cluster, confirm: confirmable.map((r) => ({ node: r.node, fingerprint: r.fingerprint! })) });

  return (
    <section className="panel" data-testid="host-key-check">
      <div className="panel-header">
        <div>
          <h2 className="panel-title">Connection and host keys</h2>
          <p className="muted small">Reads each node's SSH host key (no login) so you can compare it before Keyturn trusts it.</p>
        </div>
        <button type="button" className="btn" data-testid="test-connection" onClick={start} disabled={scan.isPending || pin.isPending}>
          {scan.isPending ? 'Scanning…' : scan.data ? 'Scan again' : 'Test connection'}
        </button>
      </div>

      {scan.isError && <ErrorPanel error={scan.error} title="Could not read the host keys" onRetry={start} />}

      {scan.data && (
        <>
          {changed.length > 0 && (
            <div className="banner banner-error" role="alert" data-testid="host-key-changed">
              <div className="banner-body">
                <div className="banner-message">
                  The host key of {changed.map((c) => c.node).join(', ')} changed since it was pinned.
                </div>
                <div className="banner-hint">
                  Either the host was rebuilt, or something is intercepting the connection. Keyturn will not connect to it. Check the key on the host
                  itself (console, not SSH) with <code className="mono">ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code> before doing anything else.
                  If the change is legitimate, replace the pin naming both fingerprints:{' '}
                  <code className="mono">keyturn cluster trust {cluster} --replace {changed[0]!.node} --old &lt;pinned&gt; --new {changed[0]!.fingerprint ?? '<presented>'}</code>
                </div>
              </div>
            </div>
          )}
          <table className="table table-compact">
            <thead>
              <tr>
                <th>Node</th>
                <th>Address</th>
                <th>Fingerprint</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {results.map((r) => (
                <tr key={r.node} data-testid={`hostkey-row-${r.node}`} className={r.status === 'changed' ? 'row-bad' : undefined}>
                  <td className="mono strong">{r.node}</td>
                  <td className="mono">{hostPort(r.host, r.port)}</td>
                  <td className="fingerprint">
                    {r.fingerprint ? (
                      <>
                        <span className="muted small">{r.algorithm}</span> <span className="mono select-all">{r.fingerprint}</span>
                      </>
                    ) : (
                      <span className="muted small">{r.error ?? 'no key read'}</span>
                    )}
                  </td>
                  <td>
                    <Badge tone={statusBadge[r.status].tone}>{statusBadge[r.status].label}</Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>

          {confirmable.length > 0 ? (
            <div className="confirm-box">
              <label className="checkbox">
                <input type="checkbox" data-testid="confirm-fingerprints" checked={compared} onChange={(e) => setCompared(e.target.checked)} />
                <span>
                  I compared the fingerprints above with the ones the hosts report (<code className="mono">ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub</code>{' '}
                  on each host).
                </span>
              </label>
              <button type="button" className="btn btn-primary" data-testid="pin-hostkeys" disabled={!compared || pin.isPending} onClick={confirm}>
                {pin.isPending ? 'Pinning and testing…' : `Pin ${confirmable.length} key${confirmable.length === 1 ? '' : 's'} and test login`}
              </button>
            </div>
          ) : (
            <p className="muted small">No key can be pinned: every node is unreachable or has a changed key.</p>
          )}
        </>
      )}

      {pin.isError && <ErrorPanel error={pin.error} title="Pinning stopped" />}
      {pin.data && (
        <ul className="result-list" data-testid="pin-results">
          {pin.data.map((r) => (
            <li key={r.node} data-testid={`pin-result-${r.node}`} className={r.ok ? 'text-ok' : 'text-bad'}>
              <span className="result-icon" aria-hidden="true">
                {r.ok ? '✓' : '✕'}
              </span>
              <span className="mono strong">{r.node}</span> <span>{r.ok ? 'logged in' : 'login failed'}</span>
              <span className="muted"> — {r.detail}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
