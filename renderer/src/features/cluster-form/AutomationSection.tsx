/**
 * The optional integrations: the load balancer used to drain one node at a
 * time, and the Terraform / Ansible code that builds and configures the
 * hosts. Each block is sent only when one of its fields is filled.
 */
import { useDraft } from './draft-store.ts';
import { TextField } from './Fields.tsx';
import { FormSection } from './FormSection.tsx';

/** Load balancer, Terraform and Ansible. */
export function AutomationSection() {
  const lb = useDraft((s) => s.draft.loadBalancer);
  const tf = useDraft((s) => s.draft.terraform);
  const an = useDraft((s) => s.draft.ansible);
  const probe = useDraft((s) => s.draft.probe);
  const { setLoadBalancer, setTerraform, setAnsible } = useDraft.getState();
  return (
    <>
      <FormSection title="Load balancer" description="Optional. With an HAProxy runtime API, Keyturn drains each node before stopping it.">
        <div className="form-grid form-grid-3">
          <TextField id="lb-runtimeApi" label="HAProxy runtime API" optional value={lb.runtimeApi} onChange={(v) => setLoadBalancer({ runtimeApi: v })} placeholder="e.g. /run/haproxy/admin.sock" mono />
          <TextField id="lb-backend" label="Backend" optional value={lb.backend} onChange={(v) => setLoadBalancer({ backend: v })} placeholder="e.g. keycloak" mono />
        </div>
      </FormSection>
      <FormSection title="Provisioning" description="Optional. The Ansible playbook installs Keycloak on a node during an upgrade; Terraform describes how the cluster was built.">
        <div className="form-grid form-grid-2">
          <TextField id="terraform-dir" label="Terraform directory" optional value={tf.dir} onChange={(v) => setTerraform({ dir: v })} placeholder="e.g. /srv/infra/keycloak" mono />
          <TextField id="terraform-varFile" label="Terraform var file" optional value={tf.varFile} onChange={(v) => setTerraform({ varFile: v })} placeholder="e.g. prod.tfvars" mono />
          <TextField id="ansible-inventory" label="Ansible inventory" optional value={an.inventory} onChange={(v) => setAnsible({ inventory: v })} placeholder="e.g. /srv/infra/inventory.ini" mono />
          <TextField id="ansible-playbook" label="Ansible playbook" optional value={an.playbook} onChange={(v) => setAnsible({ playbook: v })} placeholder="e.g. /srv/infra/keycloak.yml" mono />
          <TextField id="ansible-stopPlaybook" label="Stop playbook (for a rollback that restores the database)" optional value={an.stopPlaybook} onChange={(v) => setAnsible({ stopPlaybook: v })} placeholder="e.g. /srv/infra/keycloak-stop.yml" mono />
        </div>
        <label className="checkbox small">
          <input type="checkbox" data-testid="ansible-phased" checked={an.phased} onChange={(e) => setAnsible({ phased: e.target.checked })} />
          The playbook honours <code>keycloak_phase=prepare|switch</code>: prepare every node while all serve, drain each node only for its switch
        </label>
        <p className="muted small" data-testid="probe-summary">
          {probe
            ? `Availability probe: client ${probe.clientId} in realm ${probe.realm}, ${probe.ratePerSecond} requests/s (kept as registered; change it in the cluster file).`
            : 'No availability probe: runs will not measure failed requests (add one in the cluster file).'}
        </p>
      </FormSection>
    </>
  );
}
