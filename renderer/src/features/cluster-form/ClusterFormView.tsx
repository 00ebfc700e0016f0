/**
 * The Register and Edit screens. Makes sure the draft store holds the right
 * draft (a fresh one, or the cluster's current spec) before the form renders,
 * and decides where to go after saving.
 */
import { useEffect } from 'react';
import { useCluster } from '../../api/use-clusters.ts';
import { useNav } from '../../app/nav-store.ts';
import { QueryError } from '../../components/ErrorPanel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ClusterForm, type FormMode } from './ClusterForm.tsx';
import { draftFromSpec, emptyDraft } from './draft.ts';
import { useDraft } from './draft-store.ts';

/** Register (mode register) or Edit (mode edit) screen. */
export function ClusterFormView({ mode }: { mode: FormMode }) {
  return mode.kind === 'register' ? <RegisterScreen /> : <EditScreen cluster={mode.cluster} />;
}

function RegisterScreen() {
  const origin = useDraft((s) => s.origin);
  const load = useDraft((s) => s.load);
  const { replace, back } = useNav.getState();
  useEffect(() => {
    if (origin !== 'new') load('new', emptyDraft());
  }, [origin, load]);

  return (
    <section className="view view-form">
      <PageHeader title="Register a cluster" subtitle="Describe it once; every plan, backup and run uses this record." back={{ label: 'Back', onClick: () => back() }} />
      {origin === 'new' && (
        <ClusterForm
          mode={{ kind: 'register' }}
          onCancel={() => back()}
          onSaved={(detail) => {
            load('new', emptyDraft());
            replace({ name: 'cluster', cluster: detail.name });
          }}
        />
      )}
    </section>
  );
}

function EditScreen({ cluster }: { cluster: string }) {
  const detail = useCluster(cluster);
  const origin = useDraft((s) => s.origin);
  const load = useDraft((s) => s.load);
  const { replace, back } = useNav.getState();
  const expected = detail.data ? `edit:${detail.data.name}@${detail.data.updatedAt}` : null;

  useEffect(() => {
    if (detail.data && expected && origin !== expected) load(expected, draftFromSpec(detail.data.spec));
  }, [detail.data, expected, origin, load]);

  return (
    <section className="view view-form">
      <PageHeader title={<>Edit <span className="mono">{cluster}</span></>} subtitle="Changes apply to future runs; nothing on the hosts changes now." back={{ label: cluster, onClick: () => back({ name: 'cluster', cluster }) }} />
      {detail.isPending ? (
        <Loading what="the cluster" />
      ) : detail.isError ? (
        <QueryError query={detail} title={`Could not load ${cluster}`} />
      ) : origin === expected ? (
        <ClusterForm
          mode={{ kind: 'edit', cluster }}
          onCancel={() => back({ name: 'cluster', cluster })}
          onReset={() => load(expected, draftFromSpec(detail.data.spec))}
          onSaved={(saved) => replace({ name: 'cluster', cluster: saved.name })}
        />
      ) : null}
    </section>
  );
}
