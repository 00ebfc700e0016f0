/**
 * `kc.sh update-compatibility` of real Keycloak distributions (26.5.6, 26.7.0,
 * 26.7.3 from the local Maven repository), run by a real JDK: no stand-in
 * kc.sh. Every kc.sh run costs seconds (or ~30-45 s when it rebuilds), so the
 * three metadata documents are taken once in beforeAll and shared, and the
 * one case that changes a build-time option (a feature) runs last.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain } from '../../shared/domain/compatibility.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { checkCompatibility, localMetadata, remoteMetadata, type KcshRunOptions, type MetadataOutcome } from './kcsh.ts';
import { prepareScratch, withScratchLock } from './kcsh-scratch.ts';
import { connectSsh, type SshSession } from './ssh.ts';
import { testDistribution } from './test-support/keycloak-dists.ts';
import { startSshd, sshKeygenFingerprint, type TestSshd } from './test-support/sshd.ts';
import { findJdk } from './toolchain.ts';

const versions = ['26.5.6', '26.7.0', '26.7.3'] as const;
type V = (typeof versions)[number];

/** What the lab runs with (cluster-wide plus one node's own), as the ledger stores them. */
const base = {
  cache: 'ispn', 'cache-stack': 'jdbc-ping', db: 'postgres', 'db-url-host': '127.0.10.50', 'db-url-port': '5432', 'db-url-database': 'keycloak',
  'db-username': 'keycloak', 'health-enabled': 'true', 'metrics-enabled': 'true', 'http-enabled': 'true', 'http-host': '127.0.10.1', 'http-port': '8080',
};
const secret = 'kcsh-test-secret-9f2c';
const secretEnv = { KC_DB_PASSWORD: secret };

let root: string;
let javaHome: string;
const homes = {} as Record<V, string>;
const metadataFile = {} as Record<V, string>;
const cold = {} as Record<V, MetadataOutcome>;
const zips = {} as Record<V, { zipPath: string; sha256: string }>;

const run = (options: Record<string, string> = base): KcshRunOptions => ({ javaHome, options, secretEnv });
const check = (target: V, file: string, options: Record<string, string> = base) => checkCompatibility(homes[target], file, run(options));

beforeAll(async () => {
  const jdk = await findJdk(21);
  if (!jdk) throw new Error('These tests run the real kc.sh: install a JDK >= 21 (Temurin 25) under /usr/lib/jvm.');
  javaHome = jdk.home;
  root = await mkdtemp(join(tmpdir(), 'keyturn-kcsh-'));
  // Cold path for every version: unpack, then metadata (which rebuilds the copy for these options).
  await Promise.all(versions.map(async (v) => {
    const { zipPath, sha256 } = await testDistribution(v);
    zips[v] = { zipPath, sha256 };
    const copy = await withScratchLock(join(root, 'scratch'), v, () => prepareScratch({ root: join(root, 'scratch'), version: v, zipPath, sha256 }));
    expect(copy.state).toBe('cold');
    homes[v] = copy.home;
    metadataFile[v] = join(root, `metadata-${v}.json`);
    cold[v] = await localMetadata(copy.home, v, metadataFile[v], run());
  }));
}, 20 * 60_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('metadata from a scratch copy', () => {
  it('describes the version it ran with, and keeps the secret out of argv and output', async () => {
    for (const v of versions) {
      const doc = JSON.parse(await readFile(metadataFile[v], 'utf8')) as { keycloak: { version: string }; database: Record<string, string>; cacheEmbedded: { stack: string } };
      expect(doc.keycloak.version).toBe(v);
      expect(doc.database).toMatchObject({ db: 'postgres', 'db-url-host': '127.0.10.50' });
      expect(doc.cacheEmbedded.stack).toBe('jdbc-ping');
      expect(cold[v].exitCode).toBe(0);
      expect(cold[v].rebuilt).toBe(true); // the fresh copy was built for postgres + ispn
      expect(cold[v].command.join(' ')).not.toContain(secret);
      expect(cold[v].command).toContain('KC_DB_PASSWORD=***');
      expect(cold[v].command).toContain('--cache-stack=jdbc-ping');
      expect(cold[v].output).not.toContain(secret);
    }
  });

  it("refuses an option kc.sh doesn't know, quoting kc.sh", async () => {
    const err = await localMetadata(homes['26.7.0'], '26.7.0', join(root, 'never.json'), run({ ...base, 'no-such-option': '1' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyturnError);
    expect(err).toMatchObject({ code: 'tool-failed', message: expect.stringMatching(/exited 2[\s\S]*Unknown option: '--no-such-option'/) as string });
  });
});

describe('check with the target version', () => {
  it('same version and options: 0, from the warm copy without a rebuild', async () => {
    const again = await withScratchLock(join(root, 'scratch'), '26.7.0', () => prepareScratch({ root: join(root, 'scratch'), version: '26.7.0', ...zips['26.7.0'] }));
    expect(again).toEqual({ version: '26.7.0', home: homes['26.7.0'], state: 'warm' });
    const r = await check('26.7.0', metadataFile['26.7.0']);
    expect(r).toMatchObject({ exitCode: 0, verdict: 'rolling', rebuilt: false });
    expect(r.output).toContain('[OK] Rolling Update is available.');
  });

  it("is not swayed by the operator's own KC_* environment", async () => {
    process.env.KC_CACHE_STACK = 'tcp';
    try {
      expect((await check('26.7.0', metadataFile['26.7.0'])).exitCode).toBe(0);
    } finally {
      delete process.env.KC_CACHE_STACK;
    }
  });

  it('patch bump 26.7.0 -> 26.7.3: 0 (rolling between patch releases, on by default since 26.6)', async () => {
    const r = await check('26.7.3', metadataFile['26.7.0']);
    expect(r).toMatchObject({ exitCode: 0, verdict: 'rolling' });
    expect(explain({ from: '26.7.0', to: '26.7.3', fromOptions: base, toOptions: base, exitCode: r.exitCode, output: r.output })).toEqual([]);
  });

  it('minor bump 26.5.6 -> 26.7.0: 3, with keycloak.version named', async () => {
    const r = await check('26.7.0', metadataFile['26.5.6']);
    expect(r).toMatchObject({ exitCode: 3, verdict: 'recreate' });
    const reasons = explain({ from: '26.5.6', to: '26.7.0', fromOptions: base, toOptions: base, exitCode: r.exitCode, output: r.output });
    expect(reasons[0]).toMatchObject({ kind: 'version', subject: 'keycloak.version', from: '26.5.6', to: '26.7.0', forcesRecreate: true });
    // kc.sh itself objects to the embedded cache (Infinispan 15 -> 16) first
    expect(reasons.some((x) => x.kind === 'kcsh' && x.subject === 'cacheEmbedded.version')).toBe(true);
  });

  it('changing cache-stack: 3, with cache-stack named', async () => {
    const to = { ...base, 'cache-stack': 'tcp' };
    const r = await check('26.7.0', metadataFile['26.7.0'], to);
    expect(r).toMatchObject({ exitCode: 3, verdict: 'recreate' });
    expect(r.output).toMatch(/'cacheEmbedded\.stack' is incompatible: jdbc-ping -> tcp/);
    const reasons = explain({ from: '26.7.0', to: '26.7.0', fromOptions: base, toOptions: to, exitCode: r.exitCode, output: r.output });
    expect(reasons.map((x) => [x.kind, x.subject])).toEqual([['option', 'cache-stack'], ['kcsh', 'cacheEmbedded.stack']]);
  });

  it('patch downgrade 26.7.3 -> 26.7.0: not rolling, named as a downgrade', async () => {
    const r = await check('26.7.0', metadataFile['26.7.3']);
    expect(r.verdict).not.toBe('rolling');
    expect(r.exitCode).toBe(3);
    expect(r.output).toMatch(/'keycloak\.version' is incompatible: 26\.7\.3 -> 26\.7\.0/);
    const reasons = explain({ from: '26.7.3', to: '26.7.0', fromOptions: base, toOptions: base, exitCode: r.exitCode, output: r.output });
    expect(reasons[0]).toMatchObject({ kind: 'downgrade', subject: 'keycloak.version', forcesRecreate: true });
  });

  it('a corrupted metadata file: an error with kc.sh\'s own text, never a strategy', async () => {
    const corrupt = join(root, 'corrupt.json');
    const good = await readFile(metadataFile['26.7.0'], 'utf8');
    await writeFile(corrupt, good.slice(0, Math.floor(good.length / 2)));
    const r = await check('26.7.0', corrupt);
    expect(r.verdict).toBe('error');
    expect([0, 3, 4]).not.toContain(r.exitCode);
    expect(r.output).toContain(`Unable to read file '${corrupt}'`);
  });

  it('an invalid option: exit 2 with kc.sh\'s own text', async () => {
    const r = await check('26.7.0', metadataFile['26.7.0'], { ...base, 'no-such-option': '1' });
    expect(r).toMatchObject({ exitCode: 2, verdict: 'error' });
    expect(r.output).toMatch(/Unknown option: '--no-such-option'/);
  });

  it('enabling persistent-user-sessions: 3, with the feature named (rebuilds twice, so it runs last)', async () => {
    const disabled = { ...base, 'features-disabled': 'persistent-user-sessions' };
    const file = join(root, 'metadata-26.7.0-pus-disabled.json');
    await localMetadata(homes['26.7.0'], '26.7.0', file, run(disabled));
    const r = await check('26.7.0', file, base);
    expect(r).toMatchObject({ exitCode: 3, verdict: 'recreate', rebuilt: true });
    const reasons = explain({ from: '26.7.0', to: '26.7.0', fromOptions: disabled, toOptions: base, exitCode: r.exitCode, output: r.output });
    expect(reasons[0]).toMatchObject({ kind: 'feature', subject: 'persistent-user-sessions', from: 'disabled', to: 'enabled', forcesRecreate: true });
  }, 15 * 60_000); // two JVM rebuilds: minutes on two cores shared with other JVMs, so only a bound against a hang
});

describe('metadata from a live installation over SSH (--optimized)', () => {
  let sshd: TestSshd;
  let session: SshSession;
  beforeAll(async () => {
    sshd = await startSshd('127.0.30.4');
    const { fingerprint } = await sshKeygenFingerprint(sshd.hostKeyPubPath);
    session = await connectSsh({ host: sshd.host, port: sshd.port, user: sshd.user, keyPath: sshd.clientKeyPath, pinnedFingerprint: fingerprint });
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await sshd?.stop();
  });

  it("reads the installation's own build without rebuilding it, secrets through stdin", async () => {
    const lines: string[] = [];
    const r = await remoteMetadata(session, homes['26.7.3'], '26.7.3', { ...run(), onLine: (_s, l) => lines.push(l) });
    expect(r.rebuilt).toBe(false);
    expect(r.durationMs).toBeGreaterThan(0);
    const doc = JSON.parse(r.json) as { keycloak: { version: string }; database: Record<string, string> };
    expect(doc.keycloak.version).toBe('26.7.3');
    expect(doc.database).toEqual((JSON.parse(await readFile(metadataFile['26.7.3'], 'utf8')) as { database: unknown }).database);
    expect(r.command).toContain('--optimized');
    expect([...r.command, ...lines, r.output].join('\n')).not.toContain(secret);
    // and the check accepts it like locally taken metadata
    const file = join(root, 'remote-26.7.3.json');
    await writeFile(file, r.json);
    expect((await check('26.7.3', file)).exitCode).toBe(0);
  });

  it('reports a node built with other build options than recorded (drift), quoting kc.sh', async () => {
    const err = await remoteMetadata(session, homes['26.7.3'], '26.7.3', run({ ...base, db: 'mysql' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'tool-failed', message: expect.stringMatching(/build time options[\s\S]*kc\.db/) as string, hint: expect.stringMatching(/other build options/) as string });
  });

  it('says where to look when keycloakHome is wrong', async () => {
    const err = await remoteMetadata(session, join(root, 'nowhere'), '26.7.3', run()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'tool-failed', hint: expect.stringMatching(/keycloakHome/) as string });
  });
});
