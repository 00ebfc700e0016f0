/**
 * Where the lab lives (`<KEYTURN_HOME>/lab`) and its lab-only credentials.
 *
 * Credentials are generated once per lab and kept in a 0600 file next to the
 * lab's state, never in the ledger: the ledger holds only a reference to them,
 * like any production cluster's secrets.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../services/app-version.ts';

export interface LabPaths {
  root: string;
  /** Terraform root module and its state. */
  terraformDir: string;
  /** `state_dir` of the lab module: keys, node roots, database, pid files, logs. */
  stateDir: string;
  credentialsFile: string;
  inventoryFile: string;
  /** The lab's Terraform module, scripts and playbooks shipped with Keyturn. */
  resources: string;
}

export function labPaths(home: string): LabPaths {
  const root = join(home, 'lab');
  return {
    root,
    terraformDir: join(root, 'terraform'),
    stateDir: join(root, 'state'),
    credentialsFile: join(root, 'credentials.json'),
    inventoryFile: join(root, 'inventory.yml'),
    resources: join(appRoot(), 'resources', 'lab'),
  };
}

export interface LabCredentials {
  adminUser: string;
  adminPassword: string;
  dbPassword: string;
  realm: string;
  clientId: string;
  clientSecret: string;
  username: string;
  userPassword: string;
}

const secret = () => randomBytes(18).toString('base64url');

/** Reads the lab's credentials, generating them on first use. */
export function labCredentials(paths: LabPaths, create = true): LabCredentials | null {
  if (existsSync(paths.credentialsFile)) return JSON.parse(readFileSync(paths.credentialsFile, 'utf8')) as LabCredentials;
  if (!create) return null;
  const creds: LabCredentials = {
    adminUser: 'admin',
    adminPassword: secret(),
    dbPassword: secret(),
    realm: 'lab',
    clientId: 'lab-client',
    clientSecret: secret(),
    username: 'lab-user',
    userPassword: secret(),
  };
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  writeFileSync(paths.credentialsFile, JSON.stringify(creds, null, 2), { mode: 0o600 });
  return creds;
}

/** Every credential value, for redaction from events and logs. */
export const credentialValues = (c: LabCredentials): string[] => [c.adminPassword, c.dbPassword, c.clientSecret, c.userPassword];
