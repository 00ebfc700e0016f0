/**
 * Point a DNS name at a cluster (blue/green switch) with RFC 2136 dynamic
 * updates through `nsupdate`, and read back what the server now answers.
 *
 * Why nsupdate: it speaks TSIG and every BIND-compatible server accepts it.
 * The update script goes on stdin and is built only from validated values;
 * the TSIG key goes in a file (`-k`), never on the command line, so the
 * secret can't show up in `ps` or in our logs. Reads use node:dns against
 * that one server, so caches elsewhere can't fool the check.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIP, isIPv4 } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { KeyturnError } from '../../shared/errors.ts';

export type RecordType = 'A' | 'CNAME';
export const tsigAlgorithms = ['hmac-md5', 'hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const;
export type TsigAlgorithm = (typeof tsigAlgorithms)[number];

/** A TSIG key given inline (e.g. resolved from a secret reference); written to a 0600 temp file for nsupdate. */
export interface TsigKey {
  name: string;
  algorithm: TsigAlgorithm;
  secret: string;
}

/** Which record, on which primary server, signed with which key (a file, or inline). */
export interface DnsRecordTarget {
  /** IP address of the primary server accepting updates. */
  server: string;
  port?: number;
  zone: string;
  name: string;
  type: RecordType;
  /** A key file in named.conf / tsig-keygen syntax. */
  tsigKeyFile?: string;
  tsig?: TsigKey;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface UpdateRecordOptions extends DnsRecordTarget {
  /** IPv4 address for A, host name for CNAME. */
  value: string;
  /** Seconds. Keep it short (the lab uses 1) so a switch takes effect quickly. */
  ttl: number;
}

/** A direct query to one server, bypassing the system resolver and its cache. */
export interface ResolveOptions {
  server: string;
  port?: number;
  name: string;
  type: RecordType;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ResolveResult {
  /** nxdomain: the name does not exist; nodata: it exists but has no record of this type. */
  status: 'ok' | 'nxdomain' | 'nodata';
  values: string[];
  /** TTL of the A records as served (null for CNAME and when empty). */
  ttl: number | null;
}

const LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

function invalid(what: string, hint: string): KeyturnError {
  return new KeyturnError('invalid-input', what, hint);
}

/** Lower-cased, without the trailing dot; throws unless it is a plain DNS name. */
function dnsName(value: string, field: string): string {
  const name = value.trim().replace(/\.$/, '').toLowerCase();
  if (name.length === 0 || name.length > 253 || !name.split('.').every((l) => LABEL.test(l))) {
    throw invalid(`${field} '${value}' is not a DNS name`, 'Use letters, digits and dashes in dot-separated labels, e.g. sso.lab.test.');
  }
  return name;
}

function checkServer(server: string, port: number): void {
  if (!isIP(server)) throw invalid(`DNS server '${server}' is not an IP address`, 'Give the IP address of the primary server for the zone.');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`DNS port ${port} is out of range`, 'Use 1-65535 (usually 53).');
}

/** Validates everything that goes into the update script. */
function target(o: DnsRecordTarget) {
  const port = o.port ?? 53;
  checkServer(o.server, port);
  const zone = dnsName(o.zone, 'Zone');
  const name = dnsName(o.name, 'Name');
  if (name !== zone && !name.endsWith(`.${zone}`)) throw invalid(`${name} is not inside zone ${zone}`, 'Use a name in the zone, or name the zone it belongs to.');
  if (o.type !== 'A' && o.type !== 'CNAME') throw invalid(`Record type '${String(o.type)}' is not supported`, 'Use A or CNAME.');
  if (o.tsig && o.tsigKeyFile) throw invalid('Both a TSIG key and a key file were given', 'Give one of them.');
  return { port, zone, name };
}

function keyLabel(o: DnsRecordTarget): string {
  return o.tsig ? `TSIG key '${o.tsig.name}'` : o.tsigKeyFile ? `the TSIG key in ${o.tsigKeyFile}` : 'no TSIG key';
}

/** Writes an inline key to a private temp file; returns its path and a cleanup. */
async function keyFile(tsig: TsigKey): Promise<{ path: string; remove(): Promise<void> }> {
  dnsName(tsig.name, 'TSIG key name');
  if (!(tsigAlgorithms as readonly string[]).includes(tsig.algorithm)) throw invalid(`TSIG algorithm '${tsig.algorithm}' is not supported`, `Use one of ${tsigAlgorithms.join(', ')}.`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(tsig.secret)) throw invalid(`The secret of TSIG key '${tsig.name}' is not base64`, 'Copy the secret exactly as tsig-keygen printed it.');
  const dir = await mkdtemp(join(tmpdir(), 'keyturn-tsig-'));
  const path = join(dir, 'update.key');
  await writeFile(path, `key "${tsig.name}" {\n\talgorithm ${tsig.algorithm};\n\tsecret "${tsig.secret}";\n};\n`, { mode: 0o600 });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs one nsupdate transaction and turns its complaints into errors naming the zone and key. */
async function nsupdate(o: DnsRecordTarget, updates: string[], what: string): Promise<void> {
  const { port, zone } = target(o);
  const timeoutMs = o.timeoutMs ?? 15_000;
  const script = [`server ${o.server} ${port}`, `zone ${zone}.`, ...updates, 'send', ''].join('\n');
  const inline = o.tsig ? await keyFile(o.tsig) : undefined;
  const keyPath = inline?.path ?? o.tsigKeyFile;
  const where = `${o.server}:${port}`;
  try {
    const result = await execa('nsupdate', [...(keyPath ? ['-k', keyPath] : []), '-t', String(Math.max(1, Math.ceil(timeoutMs / 1000)))], {
      input: script,
      reject: false,
      timeout: timeoutMs + 2000,
      cancelSignal: o.signal,
    });
    if (result.exitCode === 0 && !result.failed) return;
    const err = result as typeof result & { code?: string };
    if (err.code === 'ENOENT') throw new KeyturnError('tool-missing', 'nsupdate is not installed', 'Install it (Debian/Ubuntu: apt install bind9-dnsutils; Fedora/RHEL: dnf install bind-utils).');
    if (result.isCanceled) throw new KeyturnError('aborted', `DNS update of ${o.name} was cancelled`, 'It may or may not have reached the server; resolve the name to see.');
    if (result.timedOut) throw new KeyturnError('timeout', `DNS server ${where} did not answer the update of ${o.name} within ${timeoutMs} ms`, 'Check that the server is up and reachable on that port.');
    throw explain(`${result.stderr}\n${result.stdout}`, o, where, zone, what);
  } finally {
    await inline?.remove();
  }
}

function explain(output: string, o: DnsRecordTarget, where: string, zone: string, what: string): KeyturnError {
  const key = keyLabel(o);
  const rcode = /update failed: ([A-Z]+)(?:\(([A-Z]+)\))?/.exec(output);
  const comm = /Communication with \S+ failed: (.+)/.exec(output);
  if (comm) return new KeyturnError('tool-failed', `Cannot reach DNS server ${where} to ${what}: ${comm[1]}`, 'Check that the DNS server is running and listening on that address and port, and that no firewall blocks it.');
  if (rcode?.[2]) {
    const why: Record<string, string> = {
      BADSIG: `the secret of ${key} does not match the server's`,
      BADKEY: `the server does not know ${key}`,
      BADTIME: "the clocks of this machine and the server differ by more than the TSIG fudge (5 min)",
    };
    return new KeyturnError('tool-failed', `DNS server ${where} rejected ${key} for zone ${zone} (${rcode[1]}/${rcode[2]})`, `Fix the key: ${why[rcode[2]] ?? 'see the server log'}. The TSIG key reference of the cluster's traffic settings must hold the key named in the zone's allow-update.`);
  }
  if (rcode?.[1] === 'REFUSED') {
    return new KeyturnError('tool-failed', `DNS server ${where} refused to ${what} in zone ${zone} with ${key} (REFUSED)`, `The zone's allow-update (or update-policy) must grant ${key}; check named.conf on the server and the key in the cluster spec.`);
  }
  if (rcode?.[1] === 'NOTAUTH') {
    return new KeyturnError('tool-failed', `DNS server ${where} is not authoritative for zone ${zone} (NOTAUTH, ${key})`, 'Check the zone name and that the server is the primary for it.');
  }
  const first = output.trim().split('\n').find((l) => l.trim() !== '') ?? 'no output';
  return new KeyturnError('tool-failed', `nsupdate could not ${what} in zone ${zone} on ${where}: ${rcode ? rcode[0] : first}`, 'Look at the DNS server log for the reason.');
}

/**
 * Sets `name` to exactly one record: an A record replaces any A set (and a
 * CNAME, which may not coexist with it); a CNAME replaces everything at the name.
 */
export async function updateRecord(o: UpdateRecordOptions): Promise<void> {
  const { zone, name } = target(o);
  if (!Number.isInteger(o.ttl) || o.ttl < 0 || o.ttl > 604_800) throw invalid(`TTL ${o.ttl} is out of range`, 'Use whole seconds from 0 to 604800.');
  let value: string;
  if (o.type === 'A') {
    if (!isIPv4(o.value)) throw invalid(`'${o.value}' is not an IPv4 address`, 'An A record points at an IPv4 address such as 127.0.10.100.');
    value = o.value;
  } else {
    if (name === zone) throw invalid(`A CNAME cannot be placed at the zone apex ${zone}`, 'Use an A record for the apex, or a name below it.');
    value = `${dnsName(o.value, 'CNAME target')}.`;
  }
  const fqdn = `${name}.`;
  const clear = o.type === 'A' ? [`update delete ${fqdn} CNAME`, `update delete ${fqdn} A`] : [`update delete ${fqdn}`];
  await nsupdate(o, [...clear, `update add ${fqdn} ${o.ttl} ${o.type} ${value}`], `set ${name} ${o.type} ${value}`);
}

/** Removes the records of `type` at `name` (idempotent: deleting what is not there succeeds). */
export async function deleteRecord(o: DnsRecordTarget): Promise<void> {
  const { name } = target(o);
  await nsupdate(o, [`update delete ${name}. ${o.type}`], `delete ${name} ${o.type}`);
}

/** Asks one server (not the system resolver) what `name` points at now. */
export async function resolve(o: ResolveOptions): Promise<ResolveResult> {
  const port = o.port ?? 53;
  checkServer(o.server, port);
  const name = dnsName(o.name, 'Name');
  const where = `${o.server}:${port}`;
  if (o.signal?.aborted) throw new KeyturnError('aborted', `Lookup of ${name} was cancelled`, 'Run it again when ready.');
  const resolver = new Resolver({ timeout: o.timeoutMs ?? 5000, tries: 1 });
  resolver.setServers([isIPv4(o.server) ? `${o.server}:${port}` : `[${o.server}]:${port}`]);
  const onAbort = () => resolver.cancel();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (o.type === 'A') {
      const records = await resolver.resolve4(name, { ttl: true });
      return { status: 'ok', values: records.map((r) => r.address), ttl: records[0]?.ttl ?? null };
    }
    return { status: 'ok', values: (await resolver.resolveCname(name)).map((v) => v.replace(/\.$/, '')), ttl: null };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOTFOUND') return { status: 'nxdomain', values: [], ttl: null };
    if (code === 'ENODATA') return { status: 'nodata', values: [], ttl: null };
    if (code === 'ECANCELLED') throw new KeyturnError('aborted', `Lookup of ${name} was cancelled`, 'Run it again when ready.');
    if (code === 'ETIMEOUT') throw new KeyturnError('timeout', `DNS server ${where} did not answer for ${name}`, 'Check that the server is up and reachable on that port.');
    throw new KeyturnError('tool-failed', `DNS server ${where} could not answer for ${name}: ${code ?? (err as Error).message}`, code === 'EREFUSED' ? 'The server refuses queries from this machine (allow-query) or is not authoritative for the name.' : 'Check that the server is running and authoritative for the zone.');
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}
