/**
 * What stands between a fresh machine and the sandbox: the missing Debian
 * packages, what each is for, and the one command that installs them. When
 * Keyturn may install them itself (root, apt-get), it offers to, and only
 * after the operator confirms the exact command; the install is a recorded
 * run with apt's live output. Otherwise it shows the command to run. Either
 * way the sandbox is never started half-equipped.
 */
import { useState } from 'react';
import type { InstallPlan } from '../../../../shared/contract/index.ts';
import { useLabInstallPrerequisites } from '../../api/use-app.ts';
import { useNav } from '../../app/nav-store.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';

/** The install offer (or the command to run) for a plan with something missing. */
export function SandboxPrerequisites({ plan, onCheckAgain }: { plan: InstallPlan; onCheckAgain: () => void }) {
  const navigate = useNav((s) => s.navigate);
  const install = useLabInstallPrerequisites();
  const [confirming, setConfirming] = useState(false);

  const start = () =>
    install.mutate(undefined, {
      onSuccess: ({ runId }) => navigate({ name: 'run', runId }),
    });

  return (
    <section className="panel" data-testid="sandbox-prerequisites">
      <div className="panel-header">
        <h2>Before the sandbox can be built</h2>
      </div>
      {plan.packages.length > 0 && (
        <>
          <p className="small">These Debian packages are missing:</p>
          <ul className="small" data-testid="missing-packages">
            {plan.packages.map((p) => (
              <li key={p.name}>
                <span className="mono strong">{p.name}</span> ({p.programs.join(', ')}): {p.purpose}
              </li>
            ))}
          </ul>
          {plan.canInstall ? (
            confirming ? (
              <div className="confirm-box" data-testid="install-confirm">
                <p className="small">
                  Keyturn will run, as root: <code className="mono copyable">{plan.command}</code>
                </p>
                <button type="button" className="btn btn-primary" data-testid="install-confirm-button" onClick={start} disabled={install.isPending}>
                  {install.isPending ? 'Starting…' : `Install ${plan.packages.length} package${plan.packages.length === 1 ? '' : 's'}`}
                </button>{' '}
                <button type="button" className="btn" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </div>
            ) : (
              <button type="button" className="btn" data-testid="install-prerequisites" onClick={() => setConfirming(true)}>
                Install prerequisites…
              </button>
            )
          ) : (
            <p className="small" data-testid="install-command">
              Keyturn can&apos;t install them here ({plan.reason}). Run <code className="mono copyable">{plan.command}</code>, then{' '}
              <button type="button" className="btn-link" onClick={onCheckAgain}>
                check again
              </button>
              .
            </p>
          )}
        </>
      )}
      {plan.manual.map((m) => (
        <p key={m.name} className="small text-warn" data-testid={`manual-${m.name}`}>
          {m.name} is missing ({m.purpose}). {m.how}
        </p>
      ))}
      {install.isError && <ErrorPanel error={install.error} title="The prerequisites could not be installed" testId="install-error" />}
    </section>
  );
}
