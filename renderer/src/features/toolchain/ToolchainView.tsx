/**
 * The external programs Keyturn drives (terraform, ansible-playbook, ssh,
 * java, pg_dump, nsupdate …): found or missing, which version, and why it is
 * needed, with the Debian package that provides it.
 */
import { useToolchain } from '../../api/use-app.ts';
import { Badge } from '../../components/Badges.tsx';
import { QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';

/** Toolchain screen. */
export function ToolchainView() {
  const tools = useToolchain();
  const missing = tools.data?.filter((t) => !t.found) ?? [];
  const packages = [...new Set(missing.map((t) => t.debianPackage).filter((p): p is string => !!p))];

  return (
    <section className="view" data-testid="toolchain">
      <PageHeader
        title="Toolchain"
        subtitle="Programs Keyturn runs on this machine. Missing ones disable the operations that need them."
        actions={
          <button type="button" className="btn" onClick={() => void tools.refetch()} disabled={tools.isFetching}>
            {tools.isFetching ? 'Checking…' : 'Check again'}
          </button>
        }
      />
      {tools.isPending ? (
        <Loading what="the toolchain" />
      ) : tools.isError ? (
        <QueryError query={tools} title="Could not check the toolchain" />
      ) : (
        <>
          {packages.length > 0 && (
            <div className="banner banner-warn">
              <div className="banner-body">
                <div className="banner-message">
                  {missing.length} program{missing.length === 1 ? ' is' : 's are'} missing.
                </div>
                <div className="banner-hint">
                  On Debian/Ubuntu: <code className="mono copyable">sudo apt-get install {packages.join(' ')}</code>
                </div>
              </div>
            </div>
          )}
          <table className="table">
            <thead>
              <tr>
                <th>Program</th>
                <th>Status</th>
                <th>Version</th>
                <th>Path</th>
                <th>Needed for</th>
                <th>Debian package</th>
              </tr>
            </thead>
            <tbody>
              {tools.data.map((t) => (
                <tr key={t.name} data-testid={`tool-${t.name}`} className={t.found ? undefined : 'row-warn'}>
                  <td className="mono strong">{t.name}</td>
                  <td>{t.found ? <Badge tone="ok">found</Badge> : <Badge tone="bad">missing</Badge>}</td>
                  <td className="mono">{t.version ?? <span className="muted">—</span>}</td>
                  <td className="mono small wrap-anywhere">{t.path ?? <span className="muted">—</span>}</td>
                  <td>{t.purpose}</td>
                  <td className="mono">{t.debianPackage ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
