/**
 * How clients reach the cluster, which is what a blue/green switch flips:
 * a DNS name updated with RFC 2136, or an HAProxy backend.
 */
import { useDraft } from './draft-store.ts';
import { SecretRefField, SelectField, TextField } from './Fields.tsx';
import { FormSection } from './FormSection.tsx';

/** Traffic section; the fields follow the chosen kind. */
export function TrafficSection() {
  const t = useDraft((s) => s.draft.traffic);
  const setTraffic = useDraft((s) => s.setTraffic);
  return (
    <FormSection title="Traffic" description="The public name clients use. Keyturn's availability prober watches it during every run.">
      <div className="form-grid form-grid-3">
        <SelectField<'dns' | 'haproxy'>
          id="traffic-kind"
          label="Switch by"
          value={t.kind}
          options={[
            { value: 'dns', label: 'DNS record (RFC 2136 update)' },
            { value: 'haproxy', label: 'HAProxy backend' },
          ]}
          onChange={(kind) => setTraffic({ kind })}
        />
        <TextField id="traffic-name" label="Name clients use" value={t.name} onChange={(v) => setTraffic({ name: v })} placeholder="e.g. sso.acme.example" mono />
      </div>
      {t.kind === 'dns' ? (
        <div className="form-grid form-grid-5">
          <TextField id="traffic-server" label="DNS server" value={t.server} onChange={(v) => setTraffic({ server: v })} placeholder="e.g. ns1.acme.internal" mono />
          <TextField id="traffic-port" label="Port" value={t.port} onChange={(v) => setTraffic({ port: v })} placeholder="53" inputMode="numeric" mono />
          <TextField id="traffic-zone" label="Zone" optional value={t.zone} onChange={(v) => setTraffic({ zone: v })} placeholder="e.g. acme.example" mono />
          <TextField id="traffic-ttl" label="TTL (s)" value={t.ttl} onChange={(v) => setTraffic({ ttl: v })} placeholder="60" inputMode="numeric" mono />
          <SecretRefField id="traffic-tsigKeyRef" label="TSIG key from" optional value={t.tsigKeyRef} onChange={(tsigKeyRef) => setTraffic({ tsigKeyRef })} />
        </div>
      ) : (
        <div className="form-grid form-grid-3">
          <TextField
            id="traffic-runtimeApi"
            label="Runtime API"
            value={t.runtimeApi}
            onChange={(v) => setTraffic({ runtimeApi: v })}
            placeholder="e.g. /run/haproxy/admin.sock or 127.0.0.1:9999"
            mono
          />
          <TextField id="traffic-backend" label="Backend" value={t.backend} onChange={(v) => setTraffic({ backend: v })} placeholder="e.g. keycloak" mono />
          <TextField id="traffic-map" label="Map file (blue/green switch)" value={t.map} onChange={(v) => setTraffic({ map: v })} placeholder="e.g. /etc/haproxy/hosts.map" mono />
          <TextField id="traffic-backends-blue" label="Blue's backend" optional value={t.backendBlue} onChange={(v) => setTraffic({ backendBlue: v })} placeholder="e.g. keycloak_blue" mono />
          <TextField id="traffic-backends-green" label="Green's backend" optional value={t.backendGreen} onChange={(v) => setTraffic({ backendGreen: v })} placeholder="e.g. keycloak_green" mono />
          <TextField id="traffic-resolver-server" label="DNS server for the name (prober)" optional value={t.resolverServer} onChange={(v) => setTraffic({ resolverServer: v })} placeholder="e.g. ns1.acme.internal" mono />
          <TextField id="traffic-resolver-port" label="Its port" optional value={t.resolverPort} onChange={(v) => setTraffic({ resolverPort: v })} placeholder="53" inputMode="numeric" mono />
        </div>
      )}
    </FormSection>
  );
}
