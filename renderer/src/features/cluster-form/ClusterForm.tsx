/**
 * The register/edit form. It always submits (the server's answer is the
 * truth), shows each server issue beside its field, and a banner with the
 * error's message and hint. Success goes to the cluster's page.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ClusterDetail } from '../../../../shared/contract/index.ts';
import { CallError } from '../../api/client.ts';
import { useRegisterCluster, useUpdateCluster } from '../../api/use-clusters.ts';
import { AutomationSection } from './AutomationSection.tsx';
import { DatabaseSection } from './DatabaseSection.tsx';
import { draftToSpec } from './draft-to-spec.ts';
import { useDraft } from './draft-store.ts';
import { issuesFromDetails } from './field-errors.ts';
import { FormErrorsContext } from './form-errors-context.ts';
import { FormErrorBanner } from './FormErrorBanner.tsx';
import { GeneralSection } from './GeneralSection.tsx';
import { KeycloakSection } from './KeycloakSection.tsx';
import { NodesSection } from './NodesSection.tsx';
import { TrafficSection } from './TrafficSection.tsx';
import { useFormErrorsState } from './use-form-errors-state.ts';

/** Which call the form makes: `clusters:register`, or `clusters:update` of `cluster`. */
export type FormMode = { kind: 'register' } | { kind: 'edit'; cluster: string };

interface ClusterFormProps {
  mode: FormMode;
  onSaved: (detail: ClusterDetail) => void;
  onCancel: () => void;
  onReset?: () => void;
}

/** The form itself; the draft comes from the draft store, already loaded for this mode. */
export function ClusterForm({ mode, onSaved, onCancel, onReset }: ClusterFormProps) {
  const draft = useDraft((s) => s.draft);
  const dirty = useDraft((s) => s.dirty);
  const errors = useFormErrorsState(draft);
  const register = useRegisterCluster();
  const update = useUpdateCluster();
  const mutation = mode.kind === 'register' ? register : update;
  const [failure, setFailure] = useState<unknown>(null);
  const bannerRef = useRef<HTMLDivElement>(null);

  const formRef = useRef<HTMLFormElement>(null);
  // After a failed save, take the operator to what needs doing: the first
  // marked field if the server named fields, else the banner that explains.
  useEffect(() => {
    if (!failure) return;
    const firstInvalid = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (firstInvalid) {
      // Centre it: the sticky action bar would hide a field scrolled to the bottom edge.
      firstInvalid.scrollIntoView({ block: 'center' });
      firstInvalid.focus({ preventScroll: true });
    }
    else bannerRef.current?.scrollIntoView({ block: 'start' });
  }, [failure]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    errors.markAttempted();
    const spec = draftToSpec(draft);
    const handlers = {
      onSuccess: (detail: ClusterDetail) => {
        setFailure(null);
        errors.setServerIssues([]);
        onSaved(detail);
      },
      onError: (err: unknown) => {
        setFailure(err);
        errors.setServerIssues(err instanceof CallError && err.code === 'invalid-input' ? issuesFromDetails(err.details) : []);
      },
    };
    if (mode.kind === 'register') register.mutate({ spec }, handlers);
    else update.mutate({ name: mode.cluster, spec }, handlers);
  };

  const verb = mode.kind === 'register' ? 'Register cluster' : 'Save changes';
  return (
    <FormErrorsContext.Provider value={errors.api}>
      <form className="cluster-form" data-testid="cluster-form" onSubmit={submit} noValidate ref={formRef}>
        <div ref={bannerRef}>{failure !== null && <FormErrorBanner error={failure} unplaced={errors.serverUnplaced} fieldCount={errors.visibleCount} />}</div>
        <GeneralSection />
        <KeycloakSection />
        <NodesSection />
        <DatabaseSection />
        <TrafficSection />
        <AutomationSection />
        <div className="form-actions">
          <div className="form-actions-status">
            {errors.visibleCount > 0 ? (
              <span className="text-bad">
                {errors.visibleCount} field{errors.visibleCount === 1 ? ' needs' : 's need'} attention
              </span>
            ) : (
              <span className="muted">Nothing is contacted when you save; Keyturn only records the cluster.</span>
            )}
          </div>
          {onReset && (
            <button type="button" className="btn btn-ghost" onClick={onReset} disabled={!dirty || mutation.isPending}>
              Discard changes
            </button>
          )}
          <button type="button" className="btn" onClick={onCancel} disabled={mutation.isPending}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" data-testid="submit-cluster" disabled={mutation.isPending}>
            {mutation.isPending ? 'Saving…' : verb}
          </button>
        </div>
      </form>
    </FormErrorsContext.Provider>
  );
}
