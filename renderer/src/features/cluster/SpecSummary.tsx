/**
 * The registered spec at a glance. Secrets appear only as references
 * ("env: VAR"); the spec never holds a secret value.
 */
import type { ReactNode } from 'react';
import type { ClusterSpec } from '../../../../shared/contract/index.ts';
import { formatRef, hostPort } from './format-spec.ts';

function Row({ label, children, mono = true }: { label: string; children: ReactNode; mono?: boolean }) {
  return (
    <>
      <dt>{label}</dt>
      <dd className={mono ? 'mono' : undefined}>{children}</dd>
    </>
  );
}

/** Keycloak, database, traffic and automation blocks of the spec. */
export function SpecSummary({ spec }: { spec: ClusterSpec }) {
  const { features, ...options } = spec.keycloak.options;
  const optionEntries = Object.entries(options);
  const secretEntries = Object.entries(spec.keycloak.secretOptions);
  const t = spec.traffic;
  return (
    <div className="summary-grid">
      <section className="panel">
        <h2 className="panel-title">Keycloak</h2>
        <dl className="kv">
          <Row label="Version">{spec.keycloak.version}</Row>
          <Row label="Public URL">{spec.keycloak.url ?? '—'}</Row>
          {spec.keycloak.javaHome && <Row label="JAVA_HOME">{spec.keycloak.javaHome}</Row>}
          <Row label="Features">{features ? features.split(',').join(', ') : 'defaults'}</Row>
          <Row label="Options">
            {optionEntries.length === 0 ? (
              <span className="muted">defaults</span>
            ) : (
              <ul className="plain-list">
                {optionEntries.map(([k, v]) => (
                  <li key={k}>
                    {k}=<span className="muted">{v}</span>
                  </li>
                ))}
              </ul>
            )}
          </Row>
          {secretEntries.length > 0 && (
            <Row label="Secret options">
              <ul className="plain-list">
                {secretEntries.map(([k, ref]) => (
                  <li key={k}>
                    {k} ← <span className="muted">{formatRef(ref)}</span>
                  </li>
                ))}
              </ul>
            </Row>
          )}
          {spec.admin && (
            <Row label="Admin">
              {spec.admin.username} <span className="muted">({formatRef(spec.admin.passwordRef)})</span>
            </Row>
          )}
        </dl>
      </section>

      <section className="panel">
        <h2 className="panel-title">Database</h2>
        <dl className="kv">
          <Row label="Server">{hostPort(spec.database.host, spec.database.port)}</Row>
          <Row label="Database">{spec.database.name}</Row>
          <Row label="User">{spec.database.user}</Row>
          <Row label="Password">{formatRef(spec.database.passwordRef)}</Row>
        </dl>
        <h2 className="panel-title">Traffic</h2>
        <dl className="kv">
          {t.kind === 'dns' ? (
            <>
              <Row label="Switch by" mono={false}>
                DNS update
              </Row>
              <Row label="Name">{t.name}</Row>
              <Row label="Server">{hostPort(t.server, t.port)}</Row>
              <Row label="Zone">{t.zone ?? '—'}</Row>
              <Row label="TTL">{t.ttl} s</Row>
              <Row label="TSIG key">{formatRef(t.tsigKeyRef)}</Row>
            </>
          ) : (
            <>
              <Row label="Switch by" mono={false}>
                {t.map ? 'Front HAProxy map entry' : 'HAProxy backend'}
              </Row>
              <Row label="Name">{t.name}</Row>
              <Row label="Runtime API">{t.runtimeApi}</Row>
              <Row label="Backend">{t.backend}</Row>
              {t.map && <Row label="Map">{t.map}</Row>}
              {t.backends && <Row label="Colour backends">{`blue ${t.backends.blue}, green ${t.backends.green}`}</Row>}
              {t.resolver && <Row label="Prober resolves via">{hostPort(t.resolver.server, t.resolver.port)}</Row>}
            </>
          )}
        </dl>
      </section>

      <section className="panel">
        <h2 className="panel-title">Automation</h2>
        <dl className="kv">
          <Row label="Load balancer">{spec.loadBalancer ? `${spec.loadBalancer.runtimeApi} › ${spec.loadBalancer.backend}` : '—'}</Row>
          <Row label="Terraform">{spec.terraform ? `${spec.terraform.dir}${spec.terraform.varFile ? ` (${spec.terraform.varFile})` : ''}` : '—'}</Row>
          <Row label="Ansible">{spec.ansible ? `${spec.ansible.playbook} · ${spec.ansible.inventory}` : '—'}</Row>
        </dl>
      </section>
    </div>
  );
}
