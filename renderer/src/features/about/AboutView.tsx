/** Version, mode and where Keyturn keeps its data — what support asks for first. */
import { useAppInfo } from '../../api/use-app.ts';
import { QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';

/** About screen. */
export function AboutView() {
  const info = useAppInfo();
  return (
    <section className="view" data-testid="about">
      <PageHeader title="About Keyturn" subtitle="Zero-downtime upgrades for Keycloak clusters, with a planned way back." />
      {info.isPending ? (
        <Loading what="app information" />
      ) : info.isError ? (
        <QueryError query={info} title="Could not read app information" />
      ) : (
        <section className="panel">
          <dl className="kv kv-wide">
            <dt>Version</dt>
            <dd className="mono" data-testid="about-version">
              {info.data.version}
            </dd>
            <dt>Mode</dt>
            <dd data-testid="about-mode">
              {info.data.mode === 'electron' ? 'Desktop app (Electron)' : 'Browser mode — served on 127.0.0.1; the page URL carries an access token, do not share it.'}
            </dd>
            <dt>Data directory</dt>
            <dd className="mono select-all">{info.data.home}</dd>
            <dt>Ledger</dt>
            <dd className="mono select-all" data-testid="about-ledger">
              {info.data.ledgerPath}
            </dd>
            <dt>Ledger schema</dt>
            <dd className="mono">v{info.data.schemaVersion}</dd>
          </dl>
        </section>
      )}
    </section>
  );
}
