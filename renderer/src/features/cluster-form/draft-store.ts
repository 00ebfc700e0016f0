/**
 * The register/edit draft, in zustand because it is UI-only state that must
 * survive leaving the form (an operator who checks the fleet mid-way comes
 * back to what they typed). `origin` says which form the draft belongs to, so
 * opening "edit acme-prod" never shows a half-typed new cluster.
 */
import { create } from 'zustand';
import {
  emptyDraft,
  newNode,
  newOption,
  newSecretOption,
  type ClusterDraft,
  type NodeDraft,
  type OptionRowDraft,
  type SecretOptionRowDraft,
} from './draft.ts';

/** `new`, or `edit:<name>@<updatedAt>` (a newer spec on main replaces a stale draft). */
export type DraftOrigin = string;

type Patch<T> = Partial<T>;

interface DraftState {
  origin: DraftOrigin;
  draft: ClusterDraft;
  /** True once the operator changed something since the draft was loaded. */
  dirty: boolean;
  load: (origin: DraftOrigin, draft: ClusterDraft) => void;
  setTop: (patch: Patch<Pick<ClusterDraft, 'name' | 'environment' | 'description'>>) => void;
  setKeycloak: (patch: Patch<Omit<ClusterDraft['keycloak'], 'options' | 'secretOptions'>>) => void;
  setAdmin: (patch: Patch<ClusterDraft['admin']>) => void;
  setOption: (i: number, patch: Patch<OptionRowDraft>) => void;
  addOption: () => void;
  removeOption: (i: number) => void;
  setSecretOption: (i: number, patch: Patch<SecretOptionRowDraft>) => void;
  addSecretOption: () => void;
  removeSecretOption: (i: number) => void;
  setNode: (i: number, patch: Patch<NodeDraft>) => void;
  addNode: () => void;
  removeNode: (i: number) => void;
  setDatabase: (patch: Patch<ClusterDraft['database']>) => void;
  setTraffic: (patch: Patch<ClusterDraft['traffic']>) => void;
  setLoadBalancer: (patch: Patch<ClusterDraft['loadBalancer']>) => void;
  setTerraform: (patch: Patch<ClusterDraft['terraform']>) => void;
  setAnsible: (patch: Patch<ClusterDraft['ansible']>) => void;
}

const replaceAt = <T>(list: T[], i: number, patch: Partial<T>): T[] => list.map((row, j) => (j === i ? { ...row, ...patch } : row));

/** The single draft store. */
export const useDraft = create<DraftState>((set) => {
  const edit = (fn: (d: ClusterDraft) => ClusterDraft) => set((s) => ({ draft: fn(s.draft), dirty: true }));
  return {
    origin: 'new',
    draft: emptyDraft(),
    dirty: false,
    load: (origin, draft) => set({ origin, draft, dirty: false }),
    setTop: (patch) => edit((d) => ({ ...d, ...patch })),
    setKeycloak: (patch) => edit((d) => ({ ...d, keycloak: { ...d.keycloak, ...patch } })),
    setAdmin: (patch) => edit((d) => ({ ...d, admin: { ...d.admin, ...patch } })),
    setOption: (i, patch) => edit((d) => ({ ...d, keycloak: { ...d.keycloak, options: replaceAt(d.keycloak.options, i, patch) } })),
    addOption: () => edit((d) => ({ ...d, keycloak: { ...d.keycloak, options: [...d.keycloak.options, newOption()] } })),
    removeOption: (i) => edit((d) => ({ ...d, keycloak: { ...d.keycloak, options: d.keycloak.options.filter((_, j) => j !== i) } })),
    setSecretOption: (i, patch) =>
      edit((d) => ({ ...d, keycloak: { ...d.keycloak, secretOptions: replaceAt(d.keycloak.secretOptions, i, patch) } })),
    addSecretOption: () => edit((d) => ({ ...d, keycloak: { ...d.keycloak, secretOptions: [...d.keycloak.secretOptions, newSecretOption()] } })),
    removeSecretOption: (i) =>
      edit((d) => ({ ...d, keycloak: { ...d.keycloak, secretOptions: d.keycloak.secretOptions.filter((_, j) => j !== i) } })),
    setNode: (i, patch) => edit((d) => ({ ...d, nodes: replaceAt(d.nodes, i, patch) })),
    addNode: () => edit((d) => ({ ...d, nodes: [...d.nodes, newNode()] })),
    removeNode: (i) => edit((d) => ({ ...d, nodes: d.nodes.filter((_, j) => j !== i) })),
    setDatabase: (patch) => edit((d) => ({ ...d, database: { ...d.database, ...patch } })),
    setTraffic: (patch) => edit((d) => ({ ...d, traffic: { ...d.traffic, ...patch } })),
    setLoadBalancer: (patch) => edit((d) => ({ ...d, loadBalancer: { ...d.loadBalancer, ...patch } })),
    setTerraform: (patch) => edit((d) => ({ ...d, terraform: { ...d.terraform, ...patch } })),
    setAnsible: (patch) => edit((d) => ({ ...d, ansible: { ...d.ansible, ...patch } })),
  };
});
