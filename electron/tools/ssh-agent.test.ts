/**
 * Encrypted SSH keys go through ssh-agent: the passphrase is typed once into
 * ssh-add (here through a real askpass helper), never stored by Keyturn, and
 * both ssh2 and Ansible's ssh use the unlocked key from the agent. Without an
 * agent, an encrypted key is a clear error naming the node and the fix.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { runPlaybook } from './ansible.ts';
import type { PinnedHost } from './known-hosts.ts';
import { connectSsh, fingerprintOf } from './ssh.ts';
import { startSshAgent, startSshd, type TestSshAgent, type TestSshd } from './test-support/sshd.ts';

let sshd: TestSshd;
let agent: TestSshAgent;
let dir: string;
let pin: PinnedHost;
const savedSock = process.env.SSH_AUTH_SOCK;

beforeAll(async () => {
  sshd = await startSshd('127.0.30.7');
  dir = await mkdtemp(join(tmpdir(), 'keyturn-agent-'));
  agent = await startSshAgent(dir, []);
  // ssh-add asks the askpass helper for the passphrase (forced: no terminal involved), as a desktop keyring would.
  const askpass = join(dir, 'askpass.sh');
  await writeFile(askpass, '#!/bin/sh\nprintf \'%s\\n\' "$KEYTURN_TEST_PASSPHRASE"\n');
  await chmod(askpass, 0o700);
  await execa('ssh-add', [sshd.encryptedKeyPath], {
    env: { SSH_AUTH_SOCK: agent.socketPath, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0', KEYTURN_TEST_PASSPHRASE: sshd.passphrase },
    stdin: 'ignore',
  });
  const listed = await execa('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: agent.socketPath } });
  expect(listed.stdout).toContain('keyturn-test-ed25519');
  const [algorithm, publicKey] = (await readFile(sshd.hostKeyPubPath, 'utf8')).trim().split(/\s+/);
  pin = { node: 'n1', host: sshd.host, port: sshd.port, algorithm: algorithm!, publicKey: publicKey!, fingerprint: fingerprintOf(Buffer.from(publicKey!, 'base64')) };
});

afterEach(() => {
  if (savedSock === undefined) delete process.env.SSH_AUTH_SOCK;
  else process.env.SSH_AUTH_SOCK = savedSock;
});

afterAll(async () => {
  await agent?.stop();
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('encrypted keys through ssh-agent', () => {
  it('ssh2 logs in with the encrypted key file named in the spec, using the unlocked key in the agent', async () => {
    process.env.SSH_AUTH_SOCK = agent.socketPath;
    const session = await connectSsh({ host: sshd.host, port: sshd.port, user: sshd.user, node: 'n1', keyPath: sshd.encryptedKeyPath, pinnedFingerprint: pin.fingerprint, timeoutMs: 10_000 });
    try {
      expect((await session.exec(['echo', 'via-agent'])).stdout).toBe('via-agent\n');
    } finally {
      await session.close();
    }
  });

  it('without an agent, an encrypted key is an error naming the node and the ssh-add fix (and never the passphrase)', async () => {
    delete process.env.SSH_AUTH_SOCK;
    const err = await connectSsh({ host: sshd.host, port: sshd.port, user: sshd.user, node: 'n1', keyPath: sshd.encryptedKeyPath, pinnedFingerprint: pin.fingerprint, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyturnError);
    const e = err as KeyturnError;
    expect(e.code).toBe('ssh-failed');
    expect(e.message).toContain(`node n1 (${sshd.user}@${sshd.host}:${sshd.port})`);
    expect(e.message).toContain('is encrypted');
    expect(e.message).toContain('SSH_AUTH_SOCK is not set');
    expect(e.hint).toContain(`ssh-add ${sshd.encryptedKeyPath}`);
    expect(JSON.stringify(e)).not.toContain(sshd.passphrase);
  });

  it('ansible-playbook runs a task on the node with the encrypted key from the agent, held to the pinned host key', async () => {
    const inventory = join(dir, 'hosts');
    await writeFile(inventory, `n1 ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_user=${sshd.user} ansible_ssh_private_key_file=${sshd.encryptedKeyPath} ansible_python_interpreter=/usr/bin/python3\n`);
    const playbook = join(dir, 'touch.yml');
    await writeFile(playbook, '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: touch\n      ansible.builtin.command: touch {{ marker }}\n');
    const marker = join(dir, 'touched-via-agent');
    const summary = await runPlaybook({ playbook, inventory, hostKeys: [pin], extraVars: { marker }, env: { SSH_AUTH_SOCK: agent.socketPath }, timeoutMs: 120_000 });
    expect(summary.stats['n1']).toMatchObject({ ok: 1, failures: 0 });
    expect(existsSync(marker)).toBe(true);
  });

  it('without the agent the same run fails at once instead of waiting on a passphrase prompt (BatchMode)', async () => {
    delete process.env.SSH_AUTH_SOCK;
    const inventory = join(dir, 'hosts');
    const marker = join(dir, 'touched-without-agent');
    const err = (await runPlaybook({ playbook: join(dir, 'touch.yml'), inventory, hostKeys: [pin], extraVars: { marker }, timeoutMs: 120_000 }).catch((e: unknown) => e)) as KeyturnError;
    expect(err.code).toBe('tool-failed');
    expect(err.message).toMatch(/unreachable: host n1.*Permission denied/);
    expect(existsSync(marker)).toBe(false);
  });
});
