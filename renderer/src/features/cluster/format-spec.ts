/** How spec values read on the detail page. Secrets are only ever references, shown as where they come from. */
import type { SecretRef } from '../../../../shared/contract/index.ts';

/** `env: ACME_DB_PASSWORD` or `file: /etc/keyturn/db.pass`. */
export function formatRef(ref: SecretRef | undefined | null): string {
  if (!ref) return '—';
  return 'env' in ref ? `env: ${ref.env}` : `file: ${ref.file}`;
}

/** `host:port`, bracketing IPv6 literals so the port stays readable. */
export function hostPort(host: string, port: number | string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}
