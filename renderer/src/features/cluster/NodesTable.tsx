/** Nodes with their SSH endpoint and pinned host key (or "not pinned"). */
import type { ClusterDetail } from '../../../../shared/contract/index.ts';
import { Badge } from '../../components/Badges.tsx';
import { formatAge, formatDateTime } from '../../lib/time.ts';
import { hostPort } from './format-spec.ts';

/** Table of the cluster's nodes. */
export function NodesTable({ detail }: { detail: ClusterDetail }) {
  const specByName = new Map(detail.spec.nodes.map((n) => [n.name, n]));
  return (
    <table className="table" data-testid="nodes-table">
      <thead>
        <tr>
          <th>Node</th>
          <th>SSH</th>
          <th>Key</th>
          <th>Keycloak</th>
          <th>Host key</th>
        </tr>
      </thead>
      <tbody>
        {detail.nodes.map((n) => {
          const spec = specByName.get(n.name);
          return (
            <tr key={n.name} data-testid={`node-${n.name}`}>
              <td className="strong mono">{n.name}</td>
              <td className="mono">
                {n.user}@{hostPort(n.host, n.port)}
              </td>
              <td className="mono small">{n.keyPath ?? <span className="muted">ssh-agent</span>}</td>
              <td className="mono small">
                {spec ? `${spec.address ?? spec.host} · http ${spec.httpPort} · mgmt ${spec.managementPort}` : '—'}
              </td>
              <td>
                {n.hostKey ? (
                  <span className="fingerprint" title={`pinned ${formatDateTime(n.hostKey.pinnedAt)}`}>
                    <span className="muted small">{n.hostKey.algorithm}</span> <span className="mono">{n.hostKey.fingerprint}</span>{' '}
                    <span className="muted small">pinned {formatAge(n.hostKey.pinnedAt)}</span>
                  </span>
                ) : (
                  <Badge tone="warn">not pinned</Badge>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
