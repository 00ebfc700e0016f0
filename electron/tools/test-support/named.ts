/**
 * A real BIND 9 for the dns adapter's tests: authoritative for `lab.test`
 * only (no recursion), listening on 127.0.30.5 and a free port, accepting
 * RFC 2136 updates signed with a TSIG key made by `tsig-keygen`. Runs in the
 * foreground (`-g`) with everything (pid file, journal, session key) in a
 * temp dir, and with the rndc control channel off so it can't collide with
 * another named on this machine.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { freePort, makeTempDir, spawnDaemon, waitForPort, waitUntil, type Daemon } from './daemon.ts';

export interface TestTsigKey {
  name: string;
  algorithm: string;
  secret: string;
  /** The key in named.conf syntax, as nsupdate -k reads it. */
  file: string;
}

export interface TestNamed {
  server: string;
  port: number;
  zone: string;
  dir: string;
  /** The key `allow-update` accepts. */
  key: TestTsigKey;
  /** Same name and algorithm as `key`, different secret: BIND answers NOTAUTH/BADSIG. */
  wrongSecretKey: TestTsigKey;
  daemon: Daemon;
  stop(): Promise<void>;
}

async function makeKey(dir: string, file: string, name: string): Promise<TestTsigKey> {
  const { stdout } = await execa('tsig-keygen', ['-a', 'hmac-sha256', name]);
  const path = join(dir, file);
  await writeFile(path, `${stdout}\n`, { mode: 0o600 });
  const secret = /secret\s+"([^"]+)"/.exec(stdout)?.[1];
  if (!secret) throw new Error(`unexpected tsig-keygen output: ${stdout}`);
  return { name, algorithm: 'hmac-sha256', secret, file: path };
}

/**
 * named only listens on addresses configured on an interface (it scans them;
 * 127.0.0.1/8 on lo does not count for 127.0.30.5), so we add a /32 alias on
 * lo, as the lab does for 127.0.53.1, and remove it again only if we added it.
 */
async function ensureLoopbackAlias(address: string): Promise<() => Promise<void>> {
  const { stdout } = await execa('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo']);
  if (stdout.includes(` ${address}/`)) return async () => {};
  await execa('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
  return async () => {
    await execa('ip', ['addr', 'del', `${address}/32`, 'dev', 'lo'], { reject: false });
  };
}

/** Starts named for zone `lab.test` on `server` (default 127.0.30.5); call `stop()` in afterAll. */
export async function startNamed(server = '127.0.30.5'): Promise<TestNamed> {
  const removeAlias = await ensureLoopbackAlias(server);
  const tmp = await makeTempDir('named');
  const dir = tmp.dir;
  const zone = 'lab.test';
  const key = await makeKey(dir, 'update.key', 'keyturn-update');
  const wrongSecretKey = await makeKey(dir, 'wrong.key', 'keyturn-update');
  const port = await freePort(server);

  const zoneFile = join(dir, `${zone}.zone`);
  await writeFile(
    zoneFile,
    [
      '$TTL 60',
      `@ IN SOA ns.${zone}. hostmaster.${zone}. 1 60 60 600 1`,
      `@ IN NS ns.${zone}.`,
      `ns IN A ${server}`,
      '',
    ].join('\n'),
  );
  const conf = join(dir, 'named.conf');
  await writeFile(
    conf,
    [
      `include "${key.file}";`,
      'options {',
      `  directory "${dir}";`,
      `  pid-file "${join(dir, 'named.pid')}";`,
      `  session-keyfile "${join(dir, 'session.key')}";`,
      `  managed-keys-directory "${dir}";`,
      `  listen-on port ${port} { ${server}; };`,
      '  listen-on-v6 { none; };',
      '  recursion no;',
      '  allow-query { any; };',
      '  dnssec-validation no;',
      '  notify no;',
      '};',
      'controls { };',
      `zone "${zone}" {`,
      '  type primary;',
      `  file "${zoneFile}";`,
      `  allow-update { key "${key.name}"; };`,
      '};',
      '',
    ].join('\n'),
  );

  const daemon = spawnDaemon('named', '/usr/sbin/named', ['-g', '-4', '-n', '1', '-c', conf]);
  try {
    await waitUntil('named to load its zones', () => /running$/m.test(daemon.output()), 15_000, daemon);
    await waitForPort(server, port, daemon);
  } catch (err) {
    await daemon.stop();
    await tmp.remove();
    await removeAlias();
    throw err;
  }
  return {
    server,
    port,
    zone,
    dir,
    key,
    wrongSecretKey,
    daemon,
    async stop() {
      await daemon.stop();
      await tmp.remove();
      await removeAlias();
    },
  };
}

