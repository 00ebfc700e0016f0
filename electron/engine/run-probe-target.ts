/**
 * Where and how a run's prober (and the preflight's probe check) asks a
 * cluster for tokens: its public name resolved by its DNS server (the one
 * RFC 2136 updates go to, or a front HAProxy cluster's traffic.resolver), with the
 * probe client. One place, so the preflight checks exactly what the prober
 * will measure.
 */
import type { ClusterSpec } from '../../shared/contract/index.ts';
import { resolveSecretRef } from '../services/secret-refs.ts';
import type { ProbeTarget } from './probe-request.ts';

export type RunProbeTarget = { target: ProbeTarget; ratePerSecond: number } | { disabled: string };

/** The probe target of a cluster, or why it has none. Resolves the client secret now; the caller redacts it. */
export async function runProbeTarget(clusterName: string, spec: ClusterSpec, addSecret: (s: string) => void): Promise<RunProbeTarget> {
  if (!spec.probe) return { disabled: 'No probe client configured for this cluster: availability is not measured during this run.' };
  const t = spec.traffic;
  const dns = t.kind === 'dns' ? { server: t.server, port: t.port } : t.resolver ?? null;
  if (!dns) return { disabled: `The prober resolves ${t.name} as clients do, through the DNS server that answers for it: add traffic.resolver: { server, port } to the cluster to measure availability.` };
  const secret = await resolveSecretRef(spec.probe.clientSecretRef, `The probe client secret of cluster '${clusterName}'`);
  addSecret(secret);
  const url = spec.keycloak.url ?? `http://${spec.traffic.name}`;
  return {
    target: { url: `${url.replace(/\/$/, '')}/realms/${spec.probe.realm}/protocol/openid-connect/token`, dns, clientId: spec.probe.clientId, clientSecret: secret, allowedNetworks: spec.probe.allowedNetworks },
    ratePerSecond: spec.probe.ratePerSecond,
  };
}
