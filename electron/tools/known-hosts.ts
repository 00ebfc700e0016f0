/**
 * Holding OpenSSH (and so Ansible) to the host keys pinned in the ledger.
 *
 * ssh2 checks the pinned fingerprint itself (`ssh.ts`), but `ssh` only trusts
 * keys it finds in a known_hosts file, and a playbook's `ansible.cfg`, its
 * inventory or the operator's environment can switch checking off. So every
 * ssh process Keyturn starts gets a known_hosts file of its own (0600 in a
 * 0700 temp dir, removed afterwards) holding exactly the pinned keys, and
 * options that come first on ssh's command line, where OpenSSH's "first value
 * wins" rule makes them beat anything an inventory adds later.
 *
 * It also reads existing known_hosts files (`keyturn cluster trust
 * --known-hosts`), hashed entries included, through the real `ssh-keygen -F`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { KeyturnError } from '../../shared/errors.ts';
import { algorithmOf, fingerprintOf } from './ssh.ts';

/** A node's pinned key, and the names and port ssh may reach it by. */
export interface PinnedHost {
  /** Node name in the cluster (also the inventory host name Keyturn expects). */
  node: string;
  host: string;
  port: number;
  algorithm: string;
  fingerprint: string;
  /** Base64 of the key blob, as in a known_hosts line. */
  publicKey: string;
}

/** Host names in a known_hosts pattern list: no wildcards, negations, commas or spaces. */
const PLAIN_NAME = /^[A-Za-z0-9._:-]+$/;

/** How OpenSSH writes a host in known_hosts: `name` on port 22, `[name]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Checks that a base64 key really is a key of the stated type with the pinned fingerprint. */
function checkedKey(p: PinnedHost): string {
  const blob = Buffer.from(p.publicKey, 'base64');
  if (blob.length < 8 || blob.toString('base64') !== p.publicKey || algorithmOf(blob) !== p.algorithm || fingerprintOf(blob) !== p.fingerprint) {
    throw new KeyturnError('host-key-unconfirmed', `The pinned host key of node ${p.node} (${p.host}:${p.port}) is damaged: its key does not match its fingerprint ${p.fingerprint}.`,
      `Trust the node again: keyturn cluster trust CLUSTER (compare the fingerprint with the host's owner).`);
  }
  return p.publicKey;
}

/**
 * The known_hosts text for `hosts`: one line per node, listing the node's
 * address and its name (an inventory may use either), with its port.
 */
export function knownHostsText(hosts: readonly PinnedHost[]): string {
  return hosts
    .map((p) => {
      const names = [...new Set([p.host, p.node])];
      for (const n of names) {
        if (!PLAIN_NAME.test(n)) throw new KeyturnError('invalid-input', `Node ${p.node}: '${n}' cannot be written to a known_hosts file.`, 'Use a plain host name or IP address for the node.');
      }
      return `${names.map((n) => knownHostsName(n, p.port)).join(',')} ${p.algorithm} ${checkedKey(p)}\n`;
    })
    .join('');
}

/**
 * ssh options that make the given known_hosts the only source of trust.
 * Each one closes a way around it: another file, a KnownHostsCommand, SSHFP
 * records in DNS, a prompt that would add a key, a passphrase or password
 * prompt that would hang a headless run.
 */
export function strictSshOptions(knownHostsFile: string): string[] {
  if (/[\s"'\\]/.test(knownHostsFile)) {
    throw new KeyturnError('invalid-input', `The temporary directory ${knownHostsFile} contains spaces or quotes, which ssh cannot take in UserKnownHostsFile.`, 'Point TMPDIR at a directory whose path has no spaces or quotes.');
  }
  return [
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'KnownHostsCommand=none',
    '-o', 'VerifyHostKeyDNS=no',
    '-o', 'UpdateHostKeys=no',
    '-o', 'CheckHostIP=no',
    '-o', 'BatchMode=yes',
  ];
}

/** A per-run known_hosts file and a directory beside it for ssh's ControlPath sockets. */
export interface RunKnownHosts {
  file: string;
  dir: string;
}

/**
 * Writes `hosts` (or copies nothing and uses `knownHostsFile` when the caller
 * keeps its own pinned file, as the lab does) into a private temp dir, runs
 * `use`, and removes the dir whatever happens.
 */
export async function withKnownHosts<T>(source: readonly PinnedHost[] | { knownHostsFile: string }, use: (kh: RunKnownHosts) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'keyturn-ssh-'));
  try {
    let file: string;
    if ('knownHostsFile' in source) file = source.knownHostsFile;
    else {
      file = join(dir, 'known_hosts');
      await writeFile(file, knownHostsText(source), { mode: 0o600 });
    }
    return await use({ file, dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One key line of a known_hosts file that matched a host. */
export interface KnownHostsEntry {
  /** `@revoked` entries say the key must never be trusted; `@cert-authority` lines are not host keys. */
  marker: 'revoked' | 'cert-authority' | null;
  algorithm: string;
  publicKey: string;
  fingerprint: string;
}

/**
 * The entries of `file` for `host` on `port`, found by `ssh-keygen -F` (so
 * hashed `|1|` names match exactly as ssh would match them). Empty when the
 * host is not in the file.
 */
export async function lookupKnownHosts(file: string, host: string, port: number): Promise<KnownHostsEntry[]> {
  const r = await execa('ssh-keygen', ['-F', knownHostsName(host, port), '-f', file], { reject: false, stdin: 'ignore' });
  // ssh-keygen -F exits 1 both when nothing matched and when the file is unreadable; tell them apart.
  if (r.exitCode !== 0 && /No such file|Permission denied|not a regular file/i.test(r.stderr)) {
    throw new KeyturnError('invalid-input', `Cannot read known_hosts file ${file}: ${r.stderr.trim()}`, 'Give the path of a readable known_hosts file (ssh-keyscan HOST > file writes one).');
  }
  if (r.exitCode !== 0) return [];
  const out: KnownHostsEntry[] = [];
  for (const line of r.stdout.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const fields = t.split(/\s+/);
    const marker = fields[0] === '@revoked' ? 'revoked' : fields[0] === '@cert-authority' ? 'cert-authority' : null;
    const [algorithm, b64] = marker ? [fields[2], fields[3]] : [fields[1], fields[2]];
    if (!algorithm || !b64) continue;
    const blob = Buffer.from(b64, 'base64');
    if (blob.length < 8 || algorithmOf(blob) !== algorithm) continue;
    out.push({ marker, algorithm, publicKey: blob.toString('base64'), fingerprint: fingerprintOf(blob) });
  }
  return out;
}
