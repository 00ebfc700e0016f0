/**
 * Reaching nodes over a real sshd. Whether a node's Keycloak process exists:
 * the answer follows the process started from the node's keycloakHome
 * (through its symlink, as kc.sh records it: `-Dkc.home.dir=<home>/bin/..`),
 * ignores another node's process on the same kernel, and is 'unknown', never
 * an error, when the node can't be reached. The stand-in here is a plain
 * process with that argument; the lab's minor-upgrade test asks the same of
 * real Keycloak nodes, running and dead. And a first contact held to the
 * fingerprint a cluster file gives.
 */
import { mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema, type ClusterDetail } from '../../../shared/contract/index.ts';
import { getCluster, insertCluster, pinHostKey } from '../../ledger/clusters-repo.ts';
import { openLedger } from '../../ledger/open-ledger.ts';
import { fingerprintOf } from '../../tools/ssh.ts';
import { KeyturnError } from '../../../shared/errors.ts';
import { startSshd, type TestSshd } from '../../tools/test-support/sshd.ts';
import { makeTempDir } from '../../tools/test-support/daemon.ts';
import { keycloakProcess, readNewHostKey } from './node-access.ts';

let sshd: TestSshd;
let root: { dir: string; remove: () => Promise<void> };
const children: ResultPromise[] = [];

/** A cluster of one node whose keycloakHome is `home`, its host key pinned. */
async function clusterAt(home: string, port = sshd.port): Promise<ClusterDetail> {
  const db = openLedger(':memory:');
  insertCluster(db, clusterSpecSchema.parse({
    name: 'proc',
    keycloak: { version: '26.7.0' },
    nodes: [{ name: 'n1', host: sshd.host, port, user: sshd.user, keyPath: sshd.clientKeyPath, keycloakHome: home }],
    database: { host: 'db.proc.example', name: 'kc', user: 'kc' },
    traffic: { kind: 'dns', name: 'sso.proc.example', server: 'ns.proc.example' },
  }));
  const [algorithm, publicKey] = (await readFile(sshd.hostKeyPubPath, 'utf8')).trim().split(/\s+/);
  pinHostKey(db, 'proc', 'n1', { algorithm: algorithm!, publicKey: publicKey!, fingerprint: fingerprintOf(Buffer.from(publicKey!, 'base64')) });
  return getCluster(db, 'proc');
}

/** A process whose command line carries `-Dkc.home.dir=<dir>/bin/..`, the way kc.sh starts the JVM. */
function fakeJvm(dir: string): ResultPromise {
  // `; :` keeps sh from exec-ing sleep, so the sh process with the argument stays
  const child = execa('sh', ['-c', 'sleep 600; :', `-Dkc.home.dir=${dir}/bin/..`], { reject: false, stdio: 'ignore', detached: true });
  children.push(child);
  return child;
}

/** Installs a Keycloak-shaped directory and a keycloakHome symlink to it. */
async function install(name: string): Promise<{ dir: string; home: string }> {
  const dir = join(root.dir, `${name}-keycloak-26.7.0`);
  await mkdir(join(dir, 'bin'), { recursive: true });
  const home = join(root.dir, `${name}-keycloak`);
  await symlink(dir, home);
  return { dir, home };
}

beforeAll(async () => {
  sshd = await startSshd('127.0.30.9');
  root = await makeTempDir('kc-process');
});

/** Kills the fake JVM and its sleep (its own process group). */
function killGroup(child: ResultPromise): void {
  try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
}

afterEach(() => {
  for (const c of children.splice(0)) killGroup(c);
});

afterAll(async () => {
  await sshd?.stop();
  await root?.remove();
});

describe('keycloakProcess', () => {
  it("finds the process started from the node's keycloakHome, and says gone once it exits", async () => {
    const { dir, home } = await install('a');
    const cluster = await clusterAt(home);
    const node = cluster.spec.nodes[0]!;
    expect(await keycloakProcess(cluster, node)).toEqual({ state: 'gone' });
    const jvm = fakeJvm(dir);
    await new Promise((r) => setTimeout(r, 200));
    expect(await keycloakProcess(cluster, node)).toEqual({ state: 'running', pid: jvm.pid });
    killGroup(jvm);
    await jvm;
    expect(await keycloakProcess(cluster, node)).toEqual({ state: 'gone' });
  });

  it("does not take another node's Keycloak on the same kernel for this one's", async () => {
    const mine = await install('b');
    const other = await install('c');
    const cluster = await clusterAt(mine.home);
    fakeJvm(other.dir);
    await new Promise((r) => setTimeout(r, 200));
    expect(await keycloakProcess(cluster, cluster.spec.nodes[0]!)).toEqual({ state: 'gone' });
  });

  it("is 'unknown', not an error, when the node can't be reached", async () => {
    const { home } = await install('d');
    const cluster = await clusterAt(home, 1);
    const r = await keycloakProcess(cluster, cluster.spec.nodes[0]!);
    expect(r.state).toBe('unknown');
    expect(r).toMatchObject({ why: expect.stringMatching(/\S/) });
  });
});

describe('readNewHostKey', () => {
  const own = async () => {
    const [, publicKey] = (await readFile(sshd.hostKeyPubPath, 'utf8')).trim().split(/\s+/);
    return fingerprintOf(Buffer.from(publicKey!, 'base64'));
  };

  it('holds a first contact to the fingerprint the cluster file gives, and says so', async () => {
    const fingerprint = await own();
    expect(await readNewHostKey({ name: 'g1', host: sshd.host, port: sshd.port, expectedFingerprint: fingerprint })).toMatchObject({ fingerprint, matched: true });
    expect(await readNewHostKey({ name: 'g1', host: sshd.host, port: sshd.port })).toMatchObject({ fingerprint, matched: false });
  });

  it('refuses a host that presents another key than the one given, naming both', async () => {
    const other = `SHA256:${'A'.repeat(43)}`;
    const err = await readNewHostKey({ name: 'g1', host: sshd.host, port: sshd.port, expectedFingerprint: other }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyturnError);
    expect(err).toMatchObject({ code: 'host-key-mismatch', message: `Host key of g1 does not match the pinned key: pinned ${other}, presented ${await own()} (ssh-ed25519)` });
  });
});
