/**
 * The console's "Test connection" (scan, confirm, pin) and the explicit
 * replacement of a changed key, against a real sshd: pins keep the whole key,
 * and a changed key is never overwritten by a plain confirmation.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { insertCluster, pinHostKey } from '../ledger/clusters-repo.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { fingerprintOf } from '../tools/ssh.ts';
import { startSshd, type TestSshd } from '../tools/test-support/sshd.ts';
import { createClusterService } from './cluster-service.ts';

let sshd: TestSshd;
let real: { algorithm: string; publicKey: string; fingerprint: string };
let other: { algorithm: string; publicKey: string; fingerprint: string };

async function keyOf(pubPath: string) {
  const [algorithm, publicKey] = (await readFile(pubPath, 'utf8')).trim().split(/\s+/);
  return { algorithm: algorithm!, publicKey: publicKey!, fingerprint: fingerprintOf(Buffer.from(publicKey!, 'base64')) };
}

function serviceWithCluster() {
  const db = openLedger(':memory:');
  insertCluster(db, clusterSpecSchema.parse({
    name: 'svc',
    keycloak: { version: '26.7.0' },
    nodes: [{ name: 'n1', host: sshd.host, port: sshd.port, user: sshd.user, keyPath: sshd.clientKeyPath }],
    database: { host: 'db.svc.example', name: 'kc', user: 'kc' },
    traffic: { kind: 'dns', name: 'sso.svc.example', server: 'ns.svc.example' },
  }));
  return { db, clusters: createClusterService(db) };
}

async function rejection(p: Promise<unknown>): Promise<KeyturnError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(KeyturnError);
  return err as KeyturnError;
}

beforeAll(async () => {
  sshd = await startSshd('127.0.30.8');
  real = await keyOf(sshd.hostKeyPubPath);
  other = await keyOf(`${sshd.strangerKeyPath}.pub`);
});

afterAll(async () => {
  await sshd?.stop();
});

describe('cluster service: pinning host keys', () => {
  it('pins the whole confirmed key and proves the login', async () => {
    const { clusters } = serviceWithCluster();
    const [scan] = await clusters.scanHostKeys('svc');
    expect(scan).toMatchObject({ node: 'n1', status: 'new', fingerprint: real.fingerprint });
    const [result] = await clusters.pinHostKeys('svc', [{ node: 'n1', fingerprint: real.fingerprint }]);
    expect(result).toMatchObject({ node: 'n1', ok: true });
    expect(clusters.get('svc').nodes[0]!.hostKey).toMatchObject({ algorithm: real.algorithm, fingerprint: real.fingerprint, publicKey: real.publicKey });
  });

  it('completes a fingerprint-only pin when the same key is confirmed again', async () => {
    const { db, clusters } = serviceWithCluster();
    pinHostKey(db, 'svc', 'n1', { algorithm: real.algorithm, fingerprint: real.fingerprint });
    expect(clusters.get('svc').nodes[0]!.hostKey?.publicKey).toBeNull();
    await clusters.pinHostKeys('svc', [{ node: 'n1', fingerprint: real.fingerprint }]);
    expect(clusters.get('svc').nodes[0]!.hostKey?.publicKey).toBe(real.publicKey);
  });

  it('never overwrites a changed key on confirmation; the error names both fingerprints and the replace command', async () => {
    const { db, clusters } = serviceWithCluster();
    pinHostKey(db, 'svc', 'n1', other);
    expect((await clusters.scanHostKeys('svc'))[0]!.status).toBe('changed');
    const err = await rejection(clusters.pinHostKeys('svc', [{ node: 'n1', fingerprint: real.fingerprint }]));
    expect(err.code).toBe('host-key-mismatch');
    expect(err.message).toContain(`pinned ${other.fingerprint}, confirmed ${real.fingerprint}`);
    expect(err.hint).toContain('keyturn cluster trust svc --replace n1');
    expect(clusters.get('svc').nodes[0]!.hostKey?.fingerprint).toBe(other.fingerprint);
  });

  it('replaces a changed key only when old and new fingerprints are exactly the pinned and presented ones', async () => {
    const { db, clusters } = serviceWithCluster();
    pinHostKey(db, 'svc', 'n1', other);
    expect((await rejection(clusters.replaceHostKey('svc', 'n1', real.fingerprint, other.fingerprint))).code).toBe('conflict');
    expect((await rejection(clusters.replaceHostKey('svc', 'n1', other.fingerprint, `SHA256:${'C'.repeat(43)}`))).code).toBe('conflict');
    expect((await rejection(clusters.replaceHostKey('svc', 'n9', other.fingerprint, real.fingerprint))).code).toBe('not-found');
    expect(clusters.get('svc').nodes[0]!.hostKey?.fingerprint).toBe(other.fingerprint);
    const r = await clusters.replaceHostKey('svc', 'n1', other.fingerprint, real.fingerprint);
    expect(r).toMatchObject({ node: 'n1', ok: true });
    expect(clusters.get('svc').nodes[0]!.hostKey).toMatchObject({ fingerprint: real.fingerprint, publicKey: real.publicKey });
  });
});
