/** A valid cluster spec for tests; override what a test is about. */
import type { ClusterSpecInput } from '../../shared/contract/index.ts';

export function sampleSpec(overrides: Partial<ClusterSpecInput> = {}): ClusterSpecInput {
  return {
    name: 'acme-prod',
    environment: 'production',
    keycloak: { version: '26.7.0', options: { db: 'postgres', cache: 'ispn' } },
    nodes: [
      { name: 'n1', host: 'kc1.acme.example', port: 22, user: 'keycloak' },
      { name: 'n2', host: 'kc2.acme.example', port: 22, user: 'keycloak' },
    ],
    database: { host: 'db.acme.example', port: 5432, name: 'keycloak', user: 'keycloak' },
    traffic: { kind: 'dns', name: 'sso.acme.example', server: 'ns1.acme.example' },
    ...overrides,
  };
}
