/**
 * The "grep the ledger for secrets" check, reusable by unit tests (a ledger on
 * disk) and the lab test (a real run's ledger, WAL and export): reads each file
 * as raw bytes and reports every planted secret found in any form it could be
 * written in.
 *
 * Forms searched: as is, JSON-escaped, URL-encoded, base64 (as a Basic header
 * or a config file would carry it), each as UTF-8 bytes, since SQLite stores
 * text as UTF-8. A secret shorter than 4 characters is searched as a whole
 * token only (not between letters or digits): that is how Keyturn masks short
 * secrets (electron/tools/redact.ts), and a 2-byte pattern anywhere in a binary
 * file would match by chance.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface SecretFinding {
  /** The name the caller gave the secret (e.g. 'db password'). */
  secret: string;
  file: string;
  form: 'plain' | 'json' | 'url-encoded' | 'base64';
  offset: number;
}

function forms(value: string): [SecretFinding['form'], Buffer][] {
  const out: [SecretFinding['form'], Buffer][] = [
    ['plain', Buffer.from(value, 'utf8')],
    ['json', Buffer.from(JSON.stringify(value).slice(1, -1), 'utf8')],
    ['url-encoded', Buffer.from(encodeURIComponent(value), 'utf8')],
  ];
  if (value.length >= 6) out.push(['base64', Buffer.from(Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, ''), 'utf8')]);
  const seen = new Set<string>();
  return out.filter(([, b]) => (seen.has(b.toString('hex')) ? false : (seen.add(b.toString('hex')), true)));
}

const isAlnum = (byte: number | undefined) => byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a));

/** The SQLite file with its `-wal` and `-shm` companions, those that exist. */
export function ledgerFiles(dbPath: string): string[] {
  return [dbPath, `${dbPath}-wal`, `${dbPath}-shm`].filter((f) => existsSync(f));
}

/**
 * Every occurrence of every secret in every file. `secrets` maps a readable
 * name to the value. Files that do not exist are an error: a check that reads
 * nothing would pass for the wrong reason.
 */
export function findPlantedSecrets(paths: readonly string[], secrets: Readonly<Record<string, string>>): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const file of paths) {
    if (!existsSync(file)) throw new Error(`findPlantedSecrets: ${file} does not exist`);
    const bytes = readFileSync(file);
    for (const [name, value] of Object.entries(secrets)) {
      if (value.length === 0) throw new Error(`findPlantedSecrets: secret '${name}' is empty`);
      const wholeToken = value.length < 4;
      for (const [form, needle] of forms(value)) {
        for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
          if (wholeToken && (isAlnum(bytes[at - 1]) || isAlnum(bytes[at + needle.length]))) continue;
          findings.push({ secret: name, file, form, offset: at });
        }
      }
    }
  }
  return findings;
}
