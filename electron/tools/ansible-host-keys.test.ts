/**
 * Every playbook run is held to the pinned host keys, whatever the playbook's
 * ansible.cfg, the inventory and the operator's environment say: real
 * ansible-playbook against a real sshd (test-support/sshd.ts).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { playbookArgs, runPlaybook } from './ansible.ts';
import type { PinnedHost } from './known-hosts.ts';
import { fingerprintOf } from './ssh.ts';
import { startSshd, type TestSshd } from './test-support/sshd.ts';

let sshd: TestSshd;
let dir: string;
let right: PinnedHost;
let wrong: PinnedHost;
const savedEnv = { ...process.env };

/** The pinnable form of an OpenSSH `.pub` file. */
async function pinFromPub(pubPath: string, host: string, port: number): Promise<PinnedHost> {
  const [algorithm, publicKey] = (await readFile(pubPath, 'utf8')).trim().split(/\s+/);
  return { node: 'n1', host, port, algorithm: algorithm!, publicKey: publicKey!, fingerprint: fingerprintOf(Buffer.from(publicKey!, 'base64')) };
}

beforeAll(async () => {
  sshd = await startSshd('127.0.30.5');
  dir = await mkdtemp(join(tmpdir(), 'keyturn-hostkey-playbook-'));
  right = await pinFromPub(sshd.hostKeyPubPath, sshd.host, sshd.port);
  // Another real ed25519 key: what a replaced (or impostor) host key looks like to the pin.
  wrong = await pinFromPub(`${sshd.strangerKeyPath}.pub`, sshd.host, sshd.port);
  // A playbook directory that does everything it can to switch host key checking off.
  await writeFile(join(dir, 'ansible.cfg'), [
    '[defaults]',
    'host_key_checking = False',
    '[ssh_connection]',
    'ssh_args = -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
    '',
  ].join('\n'));
  await writeFile(join(dir, 'hosts'), `n1 ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_user=${sshd.user} ansible_ssh_private_key_file=${sshd.clientKeyPath} ansible_python_interpreter=/usr/bin/python3 ansible_host_key_checking=false ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null' ansible_ssh_extra_args='-o StrictHostKeyChecking=no'\n`);
  await writeFile(join(dir, 'touch.yml'), [
    '- hosts: all',
    '  gather_facts: false',
    '  tasks:',
    '    - name: touch the node',
    '      ansible.builtin.command: touch {{ marker }}',
    '',
  ].join('\n'));
});

afterEach(() => {
  process.env = { ...savedEnv };
});

afterAll(async () => {
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The operator's own environment also says "don't check". */
function hostileEnvironment(): void {
  process.env.ANSIBLE_HOST_KEY_CHECKING = 'False';
  process.env.ANSIBLE_SSH_ARGS = '-o StrictHostKeyChecking=no';
  process.env.ANSIBLE_SSH_COMMON_ARGS = '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null';
}

describe('runPlaybook holds ssh to the pinned host keys', () => {
  it('(control) the same playbook dir, inventory and environment let plain ansible-playbook touch the node with no known key at all', async () => {
    const marker = join(dir, 'touched-by-plain-ansible');
    const r = await execa('ansible-playbook', ['-i', join(dir, 'hosts'), '-e', `marker=${marker}`, join(dir, 'touch.yml')], {
      env: { ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_HOST_KEY_CHECKING: 'False', HOME: dir },
      reject: false,
    });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('stops before any task touches a node whose key differs, naming the node and both fingerprints, despite ansible.cfg, inventory and environment', async () => {
    hostileEnvironment();
    const marker = join(dir, 'touched-by-wrong-key');
    const err = await runPlaybook({ playbook: join(dir, 'touch.yml'), inventory: join(dir, 'hosts'), hostKeys: [wrong], extraVars: { marker }, timeoutMs: 120_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyturnError);
    const e = err as KeyturnError;
    expect(e.code).toBe('host-key-mismatch');
    expect(e.message).toContain(`Host key of node n1 (${sshd.host}:${sshd.port}) does not match the pinned key`);
    expect(e.message).toContain(`pinned ${wrong.fingerprint}`);
    expect(e.message).toContain(`presented ${right.fingerprint}`);
    expect(e.hint).toMatch(/--old .*--new/);
    expect(existsSync(marker)).toBe(false);
  });

  it('runs the task when the host presents the pinned key, and leaves no known_hosts file and no SSH master connection behind', async () => {
    hostileEnvironment();
    const before = new Set((await readdir(tmpdir())).filter((n) => n.startsWith('keyturn-ssh-')));
    const marker = join(dir, 'touched-by-right-key');
    const summary = await runPlaybook({ playbook: join(dir, 'touch.yml'), inventory: join(dir, 'hosts'), hostKeys: [right], extraVars: { marker }, timeoutMs: 120_000 });
    expect(summary.stats['n1']).toMatchObject({ ok: 1, failures: 0, unreachable: 0 });
    expect(existsSync(marker)).toBe(true);
    expect((await readdir(tmpdir())).filter((n) => n.startsWith('keyturn-ssh-') && !before.has(n))).toEqual([]);
    // OpenSSH titles a ControlPersist master "ssh: <ControlPath> [mux]": none of this run's may outlive it (it would hold the node's session for a minute).
    const masters = await execa('pgrep', ['-af', `^ssh: ${tmpdir()}/keyturn-ssh-`], { reject: false });
    expect(masters.stdout.split('\n').filter((l) => l.includes('[mux]'))).toEqual([]);
  });

  it('trusts no SSH host when no key is pinned for it', async () => {
    const marker = join(dir, 'touched-without-pin');
    const err = (await runPlaybook({ playbook: join(dir, 'touch.yml'), inventory: join(dir, 'hosts'), hostKeys: [], extraVars: { marker }, timeoutMs: 120_000 }).catch((e: unknown) => e)) as KeyturnError;
    expect(err.code).toBe('host-key-mismatch');
    expect(err.message).toContain('n1: ssh refused its host key, and Keyturn has no pinned key');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('positional arguments after --', () => {
  it('puts every option before -- and the playbook after it', () => {
    expect(playbookArgs({ inventory: '-i', limit: '-x', playbook: '--version.yml' }, '/tmp/v.json')).toEqual(['--inventory=-i', '--limit=-x', '--extra-vars=@/tmp/v.json', '--', '--version.yml']);
  });

  it('runs a real playbook file named --version.yml instead of printing the version', async () => {
    const pbDir = await mkdtemp(join(tmpdir(), 'keyturn-dashdash-'));
    try {
      await writeFile(join(pbDir, '--version.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: dash dash\n      ansible.builtin.debug:\n        msg: ran\n');
      await writeFile(join(pbDir, '-hosts'), 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n');
      const seen: string[] = [];
      const summary = await runPlaybook({ playbook: '--version.yml', inventory: '-hosts', cwd: pbDir, hostKeys: [], onEvent: (e) => seen.push(e.message) });
      expect(summary.stats['localhost']).toMatchObject({ ok: 1, failures: 0 });
      expect(seen).toContain('ok: [localhost] dash dash — ran');
    } finally {
      await rm(pbDir, { recursive: true, force: true });
    }
  });
});
