/**
 * What a fresh install shows: what Keyturn is, and the two ways to start —
 * register an existing cluster, or build the local sandbox to try an upgrade
 * on a real (disposable) Keycloak cluster first.
 */
import { useLabInstallPlan } from '../../api/use-app.ts';
import { useLabUp } from '../../api/use-runs.ts';
import { useNav } from '../../app/nav-store.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { LabDoctorPanel } from './LabDoctorPanel.tsx';
import { SandboxPrerequisites } from './SandboxPrerequisites.tsx';

/** First-run screen. */
export function FirstRun() {
  const navigate = useNav((s) => s.navigate);
  const labUp = useLabUp();
  const installPlan = useLabInstallPlan();
  const plan = installPlan.data;
  const missing = plan ? plan.packages.length + plan.manual.length : 0;

  const createSandbox = () =>
    labUp.mutate(undefined, {
      onSuccess: ({ runId }) => navigate({ name: 'run', runId }),
    });

  return (
    <div className="first-run" data-testid="first-run">
      <h1 className="page-title">Welcome to Keyturn</h1>
      <p className="lead">
        Keyturn upgrades Keycloak clusters without your users noticing: it asks Keycloak&apos;s own compatibility check which strategy is safe, backs
        up, and runs the plan you approve while watching real traffic: a rolling upgrade one node at a time, or a recreate with its downtime stated
        up front and measured. Every step is recorded, and there is always a planned way back. Blue/green is planned and explained; Keyturn does
        not run it yet.
      </p>

      <div className="choice-grid">
        <div className="choice">
          <h2>Register a cluster</h2>
          <p className="muted">Describe an existing cluster: its nodes, database and how traffic reaches it. Keyturn connects to nothing until you test the connection.</p>
          <button type="button" className="btn btn-primary" data-testid="register-first" onClick={() => navigate({ name: 'register' })}>
            Register a cluster
          </button>
        </div>
        <div className="choice">
          <h2>Create local sandbox</h2>
          <p className="muted">
            Builds a real Keycloak cluster on loopback addresses with Terraform and Ansible — HAProxy, PostgreSQL and DNS included — to try an upgrade
            safely. Takes a few minutes; you can watch every step.
          </p>
          <button type="button" className="btn" data-testid="create-sandbox" onClick={createSandbox} disabled={labUp.isPending || (!plan && !installPlan.isError) || missing > 0}>
            {labUp.isPending ? 'Starting…' : 'Create local sandbox'}
          </button>
          {missing > 0 && <p className="small text-warn">Install the prerequisites below first.</p>}
        </div>
      </div>

      {plan && missing > 0 && <SandboxPrerequisites plan={plan} onCheckAgain={() => void installPlan.refetch()} />}

      {labUp.isError && <ErrorPanel error={labUp.error} title="The sandbox could not be started" testId="sandbox-error" />}

      <LabDoctorPanel />
    </div>
  );
}
