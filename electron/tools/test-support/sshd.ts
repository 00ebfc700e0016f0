/**
 * A real OpenSSH server for the ssh adapter's tests.
 *
 * Everything lives in one temp dir: an ed25519 host key, client keys
 * (ed25519, rsa, and an ed25519 one with a passphrase), an authorized_keys
 * file holding only the keys that should work, and a config that allows key
 * login only. We run as root in CI containers, so root may log in with keys
 * (`PermitRootLogin prohibit-password`) and the tests log in as the current
 * user. The daemon runs with `-D -e` so it stays our child and logs to stderr.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { freePort, makeTempDir, spawnDaemon, waitForPort, waitUntil, type Daemon } from './daemon.ts';

export interface TestSshd {
  host: string;
  port: number;
  user: string;
  dir: string;
  hostKeyPubPath: string;
  /** Authorized ed25519 key, no passphrase. */
  clientKeyPath: string;
  /** Authorized RSA key, no passphrase. */
  clientRsaKeyPath: string;
  /** Authorized ed25519 key protected by `passphrase`. */
  encryptedKeyPath: string;
  passphrase: string;
  /** A valid key that is NOT in authorized_keys. */
  strangerKeyPath: string;
  daemon: Daemon;
  /** Stops sshd and removes the temp dir. */
  stop(): Promise<void>;
}

export interface TestSshAgent {
  socketPath: string;
  stop(): Promise<void>;
}

async function keygen(path: string, type: 'ed25519' | 'rsa', passphrase = ''): Promise<void> {
  const args = ['-q', '-t', type, '-N', passphrase, '-C', `keyturn-test-${type}`, '-f', path];
  if (type === 'rsa') args.push('-b', '3072');
  await execa('ssh-keygen', args);
}

/** Starts sshd on `host` (default 127.0.30.1) and a free port; call `stop()` in afterAll. */
export async function startSshd(host = '127.0.30.1'): Promise<TestSshd> {
  const tmp = await makeTempDir('sshd');
  const dir = tmp.dir;
  // sshd refuses to start as root without its privilege-separation directory,
  // which the Debian package only creates at boot (tmpfiles.d).
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const clientKeyPath = join(dir, 'id_ed25519');
  const clientRsaKeyPath = join(dir, 'id_rsa');
  const encryptedKeyPath = join(dir, 'id_ed25519_enc');
  const strangerKeyPath = join(dir, 'id_stranger');
  const passphrase = 'correct horse battery staple';
  await Promise.all([
    keygen(hostKey, 'ed25519'),
    keygen(clientKeyPath, 'ed25519'),
    keygen(clientRsaKeyPath, 'rsa'),
    keygen(encryptedKeyPath, 'ed25519', passphrase),
    keygen(strangerKeyPath, 'ed25519'),
  ]);
  const authorized = await Promise.all([clientKeyPath, clientRsaKeyPath, encryptedKeyPath].map((p) => readFile(`${p}.pub`, 'utf8')));
  await writeFile(join(dir, 'authorized_keys'), authorized.join(''), { mode: 0o600 });

  const port = await freePort(host);
  const config = [
    `Port ${port}`,
    `ListenAddress ${host}`,
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'AllowAgentForwarding no',
    'AllowTcpForwarding no',
    'X11Forwarding no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
  const configPath = join(dir, 'sshd_config');
  await writeFile(configPath, config, { mode: 0o600 });

  const daemon = spawnDaemon('sshd', '/usr/sbin/sshd', ['-D', '-e', '-f', configPath]);
  try {
    await waitForPort(host, port, daemon);
  } catch (err) {
    await daemon.stop();
    await tmp.remove();
    throw err;
  }
  return {
    host,
    port,
    user: userInfo().username,
    dir,
    hostKeyPubPath: `${hostKey}.pub`,
    clientKeyPath,
    clientRsaKeyPath,
    encryptedKeyPath,
    passphrase,
    strangerKeyPath,
    daemon,
    async stop() {
      await daemon.stop();
      await tmp.remove();
    },
  };
}

/** Starts `ssh-agent -D` on a socket in `dir` holding the given (unencrypted) keys. */
export async function startSshAgent(dir: string, keyPaths: readonly string[]): Promise<TestSshAgent> {
  const socketPath = join(dir, 'agent.sock');
  const daemon = spawnDaemon('ssh-agent', 'ssh-agent', ['-D', '-a', socketPath]);
  await waitUntil('ssh-agent socket', () => stat(socketPath).then(() => true, () => false), 10_000, daemon);
  for (const key of keyPaths) {
    await execa('ssh-add', ['-q', key], { env: { SSH_AUTH_SOCK: socketPath } });
  }
  return { socketPath, stop: () => daemon.stop() };
}

/** What `ssh-keygen -lf` says about a public key: `{ bits, fingerprint, type }`. */
export async function sshKeygenFingerprint(pubPath: string): Promise<{ fingerprint: string; type: string }> {
  const { stdout } = await execa('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubPath]);
  // e.g. "256 SHA256:abc... keyturn-test-ed25519 (ED25519)"
  const match = /^\d+ (SHA256:\S+) .* \(([A-Z0-9-]+)\)$/.exec(stdout.trim());
  if (!match) throw new Error(`unexpected ssh-keygen -lf output: ${stdout}`);
  return { fingerprint: match[1]!, type: match[2]! };
}
