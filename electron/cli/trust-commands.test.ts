/**
 * `keyturn cluster trust` through the real CLI entry point (`main(argv, io)`)
 * against a real sshd: keys are pinned only once confirmed, a changed key is
 * refused in every mode, and replacing it needs both fingerprints.
 */
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { getCluster, pinHostKey } from '../ledger/clusters-repo.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { ledgerPathIn } from '../services/paths.ts';
import { pinnedHostKeys } from '../engine/steps/node-access.ts';
import { fingerprintOf } from '../tools/ssh.ts';
import { startSshd, type TestSshd } from '../tools/test-support/sshd.ts';
import { main } from './main.ts';
import type { PromptingIo } from './trust-commands.ts';

let sshd: TestSshd;
let home: string;
let hostKey: { algorithm: string; publicKey: string; fingerprint: string };
let otherKey: { algorithm: string; publicKey: string; fingerprint: string };
const savedHome = process.env.KEYTURN_HOME;
let clusterCount = 0;

async function keyOf(pubPath: string) {
  const [algorithm, publicKey] = (await readFile(pubPath, 'utf8')).trim().split(/\s+/);
  return { algorithm: algorithm!, publicKey: publicKey!, fingerprint: fingerprintOf(Buffer.from(publicKey!, 'base64')) };
}

/** Runs the CLI in-process; `answers` feed an interactive prompt when given. */
async function keyturn(args: string[], answers?: string[]) {
  let out = '';
  let err = '';
  const asked: string[] = [];
  const io: PromptingIo = { out: (s) => void (out += s), err: (s) => void (err += s) };
  if (answers) io.ask = async (q) => (asked.push(q), answers.shift() ?? '');
  const code = await main(args, io);
  return { code, out, err, asked };
}

/** Registers a fresh one-node cluster on the test sshd and returns its name. */
async function newCluster(): Promise<string> {
  const name = `trust-${++clusterCount}`;
  const file = join(home, `${name}.json`);
  await writeFile(file, JSON.stringify({
    name,
    environment: 'test',
    keycloak: { version: '26.7.0' },
    nodes: [{ name: 'n1', host: sshd.host, port: sshd.port, user: sshd.user, keyPath: sshd.clientKeyPath }],
    database: { host: 'db.trust.example', name: 'keycloak', user: 'keycloak' },
    traffic: { kind: 'dns', name: 'sso.trust.example', server: 'ns1.trust.example' },
  }));
  const add = await keyturn(['cluster', 'add', '--file', file]);
  expect(add.code, add.err).toBe(0);
  return name;
}

function withLedger<T>(fn: (db: ReturnType<typeof openLedger>) => T): T {
  const db = openLedger(ledgerPathIn(home));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const pinOf = (name: string) => withLedger((db) => getCluster(db, name).nodes[0]!.hostKey);

beforeAll(async () => {
  sshd = await startSshd('127.0.30.6');
  home = await mkdtemp(join(tmpdir(), 'keyturn-trust-'));
  process.env.KEYTURN_HOME = home;
  hostKey = await keyOf(sshd.hostKeyPubPath);
  otherKey = await keyOf(`${sshd.strangerKeyPath}.pub`);
});

afterEach(() => {
  process.env.KEYTURN_HOME = home;
});

afterAll(async () => {
  if (savedHome === undefined) delete process.env.KEYTURN_HOME;
  else process.env.KEYTURN_HOME = savedHome;
  await sshd?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('keyturn cluster trust', () => {
  it('cluster add names the real trust command', async () => {
    const file = join(home, 'hint.json');
    await writeFile(file, JSON.stringify({ name: 'hint', keycloak: { version: '26.7.0' }, nodes: [{ name: 'n1', host: sshd.host, user: 'root' }], database: { host: 'db.hint.example', name: 'kc', user: 'kc' }, traffic: { kind: 'dns', name: 'sso.hint.example', server: 'ns.hint.example' } }));
    const r = await keyturn(['cluster', 'add', '--file', file]);
    expect(r.out).toContain('keyturn cluster trust hint');
  });

  it('without a terminal and without --yes/--expect/--known-hosts: exit 2, the fingerprint shown, nothing pinned', async () => {
    const name = await newCluster();
    const r = await keyturn(['cluster', 'trust', name]);
    expect(r.code).toBe(2);
    expect(r.out).toContain(hostKey.fingerprint);
    expect(r.err).toContain(`--expect n1=${hostKey.fingerprint}`);
    expect(pinOf(name)).toBeNull();
  });

  it('--yes pins the whole key and proves the login', async () => {
    const name = await newCluster();
    const r = await keyturn(['cluster', 'trust', name, '--yes']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/n1\s+ok\s+logged in as/);
    expect(pinOf(name)).toMatchObject({ algorithm: 'ssh-ed25519', fingerprint: hostKey.fingerprint, publicKey: hostKey.publicKey });
    // A second run finds nothing to do.
    expect((await keyturn(['cluster', 'trust', name])).out).toContain('already have these keys pinned');
  });

  it('--expect: a wrong fingerprint is a conflict naming node and both fingerprints, and pins nothing; the right one pins', async () => {
    const name = await newCluster();
    const wrong = await keyturn(['cluster', 'trust', name, '--expect', `n1=${otherKey.fingerprint}`]);
    expect(wrong.code).toBe(4);
    expect(wrong.err).toContain('Node n1');
    expect(wrong.err).toContain(hostKey.fingerprint);
    expect(wrong.err).toContain(otherKey.fingerprint);
    expect(pinOf(name)).toBeNull();
    const bad = await keyturn(['cluster', 'trust', name, '--expect', 'n1=abc']);
    expect(bad.code).toBe(2);
    const right = await keyturn(['cluster', 'trust', name, '--expect', `n1=${hostKey.fingerprint}`, '--json']);
    expect(right.code, right.err).toBe(0);
    expect(JSON.parse(right.out)).toMatchObject({ pinned: [{ node: 'n1', ok: true }] });
    expect(pinOf(name)?.publicKey).toBe(hostKey.publicKey);
  });

  it('asks at a terminal: "n" pins nothing, "y" pins', async () => {
    const name = await newCluster();
    const no = await keyturn(['cluster', 'trust', name], ['n']);
    expect(no.asked).toHaveLength(1);
    expect(no.code).toBe(0);
    expect(no.out).toContain('Nothing was pinned');
    expect(pinOf(name)).toBeNull();
    const yes = await keyturn(['cluster', 'trust', name], ['y']);
    expect(yes.code, yes.err).toBe(0);
    expect(pinOf(name)?.fingerprint).toBe(hostKey.fingerprint);
  });

  it('--known-hosts pins from a file written by real ssh-keyscan, hashed or plain; a file listing another key pins nothing', async () => {
    for (const hashed of [false, true]) {
      const name = await newCluster();
      const scan = await execa('ssh-keyscan', [...(hashed ? ['-H'] : []), '-t', 'ed25519', '-p', String(sshd.port), sshd.host]);
      const file = join(home, `${name}.known_hosts`);
      await writeFile(file, scan.stdout);
      if (hashed) expect(scan.stdout).toMatch(/^\|1\|/m);
      const r = await keyturn(['cluster', 'trust', name, '--known-hosts', file]);
      expect(r.code, r.err).toBe(0);
      expect(pinOf(name)?.publicKey).toBe(hostKey.publicKey);
    }
    const name = await newCluster();
    const stale = join(home, 'stale.known_hosts');
    await writeFile(stale, `[${sshd.host}]:${sshd.port} ${otherKey.algorithm} ${otherKey.publicKey}\n`);
    const r = await keyturn(['cluster', 'trust', name, '--known-hosts', stale]);
    expect(r.code).toBe(4);
    expect(r.err).toContain(hostKey.fingerprint);
    expect(r.err).toContain(otherKey.fingerprint);
    expect(pinOf(name)).toBeNull();
    const empty = join(home, 'empty.known_hosts');
    await writeFile(empty, '');
    expect((await keyturn(['cluster', 'trust', name, '--known-hosts', empty])).code).toBe(2);
    expect(pinOf(name)).toBeNull();
  });

  it('refuses a changed key in every mode; only --replace naming the pinned and presented fingerprints re-pins', async () => {
    const name = await newCluster();
    // The node's key changed since it was pinned: the ledger holds another real key.
    withLedger((db) => pinHostKey(db, name, 'n1', otherKey));
    for (const mode of [['--yes'], ['--expect', `n1=${hostKey.fingerprint}`], []]) {
      const r = await keyturn(['cluster', 'trust', name, ...mode], ['y']);
      expect(r.code, mode.join(' ')).toBe(4);
      expect(r.err).toContain(`pinned ${otherKey.fingerprint}, presented ${hostKey.fingerprint}`);
      expect(r.err).toContain('--replace n1');
      expect(pinOf(name)?.fingerprint).toBe(otherKey.fingerprint);
    }
    const same = await keyturn(['cluster', 'trust', name, '--replace', 'n1', '--old', otherKey.fingerprint, '--new', otherKey.fingerprint]);
    expect(same.code).toBe(2);
    const badOld = await keyturn(['cluster', 'trust', name, '--replace', 'n1', '--old', `SHA256:${'A'.repeat(43)}`, '--new', hostKey.fingerprint]);
    expect(badOld.code).toBe(4);
    const badNew = await keyturn(['cluster', 'trust', name, '--replace', 'n1', '--old', otherKey.fingerprint, '--new', `SHA256:${'B'.repeat(43)}`]);
    expect(badNew.code).toBe(4);
    expect(badNew.err).toContain(`presents ${hostKey.fingerprint}`);
    const partial = await keyturn(['cluster', 'trust', name, '--replace', 'n1', '--old', otherKey.fingerprint]);
    expect(partial.code).toBe(2);
    expect(pinOf(name)?.fingerprint).toBe(otherKey.fingerprint);
    const ok = await keyturn(['cluster', 'trust', name, '--replace', 'n1', '--old', otherKey.fingerprint, '--new', hostKey.fingerprint]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain(`${otherKey.fingerprint} -> ${hostKey.fingerprint}`);
    expect(pinOf(name)).toMatchObject({ fingerprint: hostKey.fingerprint, publicKey: hostKey.publicKey });
  });

  it('a fingerprint-only pin from an older Keyturn stops playbook runs until trust completes it (same key, no question)', async () => {
    const name = await newCluster();
    withLedger((db) => pinHostKey(db, name, 'n1', { algorithm: hostKey.algorithm, fingerprint: hostKey.fingerprint }));
    const before = withLedger((db) => getCluster(db, name));
    let refused: unknown;
    try {
      pinnedHostKeys(before);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(KeyturnError);
    expect((refused as KeyturnError).message).toContain('pinned by fingerprint only');
    expect((refused as KeyturnError).hint).toContain(`keyturn cluster trust ${name}`);
    const r = await keyturn(['cluster', 'trust', name]);
    expect(r.code, r.err).toBe(0);
    expect(pinnedHostKeys(withLedger((db) => getCluster(db, name)))).toEqual([{ node: 'n1', host: sshd.host, port: sshd.port, ...hostKey }]);
  });
});
