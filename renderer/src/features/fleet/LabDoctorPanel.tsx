/**
 * Lab prerequisites (`lab:doctor`). Missing programs are listed first, with
 * what each is for and the Debian package that provides it, plus a single
 * apt command for all of them.
 */
import { useLabDoctor } from '../../api/use-app.ts';
import { Badge } from '../../components/Badges.tsx';
import { QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';

/** Prerequisites panel for the first-run screen. */
export function LabDoctorPanel() {
  const doctor = useLabDoctor();
  if (doctor.isPending) return <Loading what="sandbox prerequisites" />;
  if (doctor.isError) return <QueryError query={doctor} title="Could not check the sandbox prerequisites" />;

  const missing = doctor.data.filter((p) => !p.found);
  const packages = [...new Set(missing.map((p) => p.debianPackage).filter((p): p is string => !!p))];
  const sorted = [...missing, ...doctor.data.filter((p) => p.found)];

  return (
    <section className="panel" data-testid="lab-doctor">
      <div className="panel-header">
        <h2>Sandbox prerequisites</h2>
        {missing.length === 0 ? <Badge tone="ok">all present</Badge> : <Badge tone="warn">{missing.length} missing</Badge>}
      </div>
      {packages.length > 0 && (
        <p className="small">
          Install the missing ones with <code className="mono copyable">sudo apt-get install {packages.join(' ')}</code>, then{' '}
          <button type="button" className="btn-link" onClick={() => void doctor.refetch()}>
            check again
          </button>
          .
        </p>
      )}
      <table className="table table-compact">
        <thead>
          <tr>
            <th>Program</th>
            <th>Status</th>
            <th>Needed for</th>
            <th>Debian package</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((p) => (
            <tr key={p.name} data-testid={`prereq-${p.name}`} className={p.found ? '' : 'row-warn'}>
              <td className="mono strong">{p.name}</td>
              <td>{p.found ? <Badge tone="ok">found</Badge> : <Badge tone="bad">missing</Badge>}</td>
              <td>{p.purpose}</td>
              <td className="mono">{p.debianPackage ?? '—'}</td>
              <td className="mono small muted wrap-anywhere">{p.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
