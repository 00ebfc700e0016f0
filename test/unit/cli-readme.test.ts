/**
 * README promises that need no lab, checked at the CLI: `artifacts list` and
 * `artifacts import ZIP` (a real distribution, and the zips it must refuse),
 * `plan versions`, `toolchain --json`, relative paths in a cluster file, and
 * `npm start`'s browser-mode fallback when Electron's binary is missing.
 */
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { testDistribution, type TestDistribution } from '../../electron/tools/test-support/keycloak-dists.ts';
import { keyturnBin, keyturnIn, ledgerDigest, repoRoot, tempDirs } from './cli-harness.ts';
import { sampleSpec } from './spec-factory.ts';
import { buildZip, keycloakShaped } from './zip-writer.ts';

const dirs = tempDirs('keyturn-readme-');
afterAll(() => dirs.cleanup());

describe('keyturn artifacts list | import', () => {
  let home: string;
  let work: string;
  let dist: TestDistribution;
  beforeAll(async () => {
    home = dirs.make();
    work = dirs.make();
    dist = await testDistribution('26.7.0');
  }, 20 * 60_000);

  it('lists an empty store, imports the real 26.7.0 server zip, then lists it with its sha256', async () => {
    const empty = await keyturnIn(home, ['artifacts', 'list', '--json']);
    expect(empty.exitCode).toBe(0);
    expect(JSON.parse(empty.stdout)).toEqual({ stored: [], available: null });

    const imp = await keyturnIn(home, ['artifacts', 'import', dist.zipPath, '--json']);
    expect(imp.exitCode, imp.stdout + imp.stderr).toBe(0);
    const rec = JSON.parse(imp.stdout) as { version: string; sha256: string; source: string; path: string };
    expect(rec).toMatchObject({ version: '26.7.0', sha256: dist.sha256, source: 'import' });
    expect(rec.path.startsWith(join(home, 'artifacts'))).toBe(true);

    const list = await keyturnIn(home, ['artifacts', 'list']);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`26\\.7\\.0\\s+import\\s+${dist.sha256.slice(0, 16)}\\s+${rec.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  }, 10 * 60_000);

  it('refuses what is not a Keycloak server zip with exit 2 (3 when missing), naming the file, and stores nothing', async () => {
    const write = (name: string, bytes: Buffer | string) => {
      const p = join(work, name);
      writeFileSync(p, bytes);
      return p;
    };
    const fifo = join(work, 'dist.fifo');
    execFileSync('mkfifo', [fifo]);
    const versionBomb = buildZip(keycloakShaped('26.7.0', '9'.repeat(20 * 1024 * 1024), true));
    const cases: [string, string, number, RegExp][] = [
      ['a text file', write('notes.zip', 'this is not a zip\n'), 2, /is not a readable zip \(no end-of-central-directory record\)/],
      ['an empty file', write('empty.zip', ''), 2, /is not a readable zip/],
      ['a directory', work, 2, /is a directory, not a zip file/],
      ['a FIFO', fifo, 2, /is a named pipe \(FIFO\), not a zip file/],
      ['a device', '/dev/zero', 2, /is a device, not a zip file/],
      ['a missing file', join(work, 'absent.zip'), 3, /does not exist/],
      ['a zip of something else', join(repoRoot, 'electron', 'tools', 'fixtures', 'not-keycloak.zip'), 2, /is a zip but not a Keycloak server distribution/],
      ['a zip whose version.txt disagrees', join(repoRoot, 'electron', 'tools', 'fixtures', 'keycloak-mislabeled.zip'), 2, /is inconsistent/],
      ['a top directory that is not a version', write('shell.zip', buildZip(keycloakShaped('$(reboot)'))), 2, /names version "\$\(reboot\)", which is not a version number/],
      ['a version.txt that inflates to 20 MB', write('bomb.zip', versionBomb), 2, /cannot be decompressed/],
      ['a central directory pointing past the end', write('cd.zip', (() => {
        const z = buildZip(keycloakShaped('26.7.0'));
        z.writeUInt32LE(0x7fffffff, z.length - 22 + 12);
        return z;
      })()), 2, /points past the end of the file/],
    ];
    expect(versionBomb.length).toBeLessThan(64 * 1024);
    const before = ledgerDigest(home);
    for (const [what, path, code, message] of cases) {
      const r = await keyturnIn(home, ['artifacts', 'import', path]);
      expect(r.exitCode, `${what}: ${r.stderr}`).toBe(code);
      expect(r.stderr, what).toContain(path);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr, what).toMatch(/\n {2}hint: \S/);
      expect(r.stderr, what).not.toMatch(/Unexpected failure/);
    }
    expect(ledgerDigest(home)).toBe(before);
    expect(readdirSync(join(home, 'artifacts')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('keyturn plan versions', () => {
  it('lists targets relative to a cluster: patch up, minor down, and which are downloaded', async () => {
    await Promise.all([testDistribution('26.5.6'), testDistribution('26.7.3')]);
    const home = dirs.make();
    const f = join(home, 'c.yaml');
    writeFileSync(f, stringify(sampleSpec({ name: 'versions' })));
    expect((await keyturnIn(home, ['cluster', 'add', '--file', f])).exitCode).toBe(0);
    const r = await keyturnIn(home, ['plan', 'versions', '--cluster', 'versions', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const v = JSON.parse(r.stdout) as { current: string; offline: boolean; versions: { version: string; change: string | null; direction: string | null; downloaded: boolean; stored: boolean }[] };
    expect(v.current).toBe('26.7.0');
    const by = new Map(v.versions.map((x) => [x.version, x]));
    expect(by.get('26.7.3')).toMatchObject({ change: 'patch', direction: 'up', downloaded: true });
    expect(by.get('26.5.6')).toMatchObject({ change: 'minor', direction: 'down', downloaded: true });
    // An unknown cluster is not found (3), not an empty list.
    expect((await keyturnIn(home, ['plan', 'versions', '--cluster', 'nope'])).exitCode).toBe(3);
  }, 10 * 60_000);
});

describe('keyturn toolchain', () => {
  interface Tool { name: string; found: boolean; version: string | null; path: string | null; purpose: string; debianPackage: string | null }

  it('--json lists every program with found, version, path, purpose and package, and exits 0', async () => {
    const r = await keyturnIn(dirs.make(), ['toolchain', '--json']);
    expect(r.exitCode).toBe(0);
    const tools = JSON.parse(r.stdout) as Tool[];
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['terraform', 'ansible-playbook', 'ssh', 'pg_dump']));
    for (const t of tools) {
      expect(Object.keys(t).sort()).toEqual(['debianPackage', 'found', 'name', 'path', 'purpose', 'version']);
      expect(t.purpose.length).toBeGreaterThan(10);
      expect(t.found).toBe(t.path !== null);
    }
  }, 3 * 60_000);

  it('reports a program missing from PATH as missing, with its package, still exit 0 (a report, not an operation)', async () => {
    const r = await keyturnBin(dirs.make(), ['toolchain', '--json'], { env: { PATH: '/var/empty' }, timeout: 120_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const terraform = (JSON.parse(r.stdout) as Tool[]).find((t) => t.name === 'terraform');
    expect(terraform).toMatchObject({ found: false, path: null, debianPackage: 'terraform' });
  }, 5 * 60_000);
});

describe('a cluster file with relative paths', () => {
  it("resolves them against the file's directory, not the working directory", async () => {
    const home = dirs.make();
    const repo = join(dirs.make(), 'infra');
    mkdirSync(repo, { recursive: true });
    const spec = sampleSpec({
      name: 'relative',
      nodes: [{ name: 'n1', host: 'kc1.acme.example', user: 'keycloak', keyPath: 'keys/id_ed25519' }],
      terraform: { dir: 'terraform', varFile: './terraform/prod.tfvars' },
      ansible: { inventory: 'ansible/inventory.ini', playbook: './ansible/site.yml' },
      blueGreen: { standby: { nodes: [{ name: 'g1', address: 'kc1-green.acme.example' }], database: { address: 'db-green.acme.example', name: 'keycloak', user: 'keycloak' },
        loadBalancer: { address: 'lb-green.acme.example', port: 443, runtimeApi: 'lb-green.acme.example:9999', backend: 'keycloak' }, inventory: 'ansible/green.ini', keyPath: 'keys/green_ed25519' } },
    });
    const f = join(repo, 'cluster.yaml');
    writeFileSync(f, stringify(spec));
    expect(process.cwd()).not.toBe(repo);
    const add = await keyturnIn(home, ['cluster', 'add', '--file', f]);
    expect(add.exitCode, add.stderr).toBe(0);
    const d = JSON.parse((await keyturnIn(home, ['cluster', 'show', 'relative', '--json'])).stdout) as {
      spec: { nodes: { keyPath: string }[]; terraform: { dir: string; varFile: string }; ansible: { inventory: string; playbook: string }; blueGreen: { standby: { inventory: string; keyPath: string } } };
    };
    expect(d.spec.blueGreen.standby).toMatchObject({ inventory: join(repo, 'ansible', 'green.ini'), keyPath: join(repo, 'keys', 'green_ed25519') });
    expect(d.spec.nodes[0]!.keyPath).toBe(join(repo, 'keys', 'id_ed25519'));
    expect(d.spec.terraform).toEqual({ dir: join(repo, 'terraform'), varFile: join(repo, 'terraform', 'prod.tfvars') });
    expect(d.spec.ansible).toMatchObject({ inventory: join(repo, 'ansible', 'inventory.ini'), playbook: join(repo, 'ansible', 'site.yml') });
    // Climbing out of the file's directory is refused, naming the field (and nothing is registered).
    const up = join(repo, 'up.yaml');
    writeFileSync(up, stringify({ ...spec, name: 'climbs', terraform: { dir: '../elsewhere' } }));
    const refused = await keyturnIn(home, ['cluster', 'add', '--file', up]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/terraform\.dir: must not contain '\.\.' segments/);
  });
});

describe('npm start without Electron\'s binary', () => {
  /**
   * bin/start.js decides by node_modules/electron/path.txt (written when the
   * binary is downloaded). A copy of the app whose node_modules has every
   * package but electron is a machine where it was never downloaded; the rest
   * (sources, built renderer) are the repository's own, linked.
   */
  function appWithoutElectron(): string {
    const app = dirs.make();
    mkdirSync(join(app, 'bin'));
    // Copies, not links: start.js and the server it starts find the app from their own (real) path.
    for (const f of readdirSync(join(repoRoot, 'bin'))) copyFileSync(join(repoRoot, 'bin', f), join(app, 'bin', f));
    // .cache is the app's own (its bundle of the sources is built there on first start)
    for (const entry of readdirSync(repoRoot)) {
      if (!['bin', 'node_modules', '.git', '.cache'].includes(entry)) symlinkSync(join(repoRoot, entry), join(app, entry));
    }
    const modules = join(app, 'node_modules');
    mkdirSync(modules);
    for (const m of readdirSync(join(repoRoot, 'node_modules'))) if (m !== 'electron') symlinkSync(join(repoRoot, 'node_modules', m), join(modules, m));
    return app;
  }

  async function freePort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }

  it('says so in one line, starts browser mode on KEYTURN_PORT, serves the console with its token (200) and refuses without it (401)', async () => {
    const app = appWithoutElectron();
    const port = await freePort();
    const child = execa(process.execPath, [join(app, 'bin', 'start.js')], {
      cwd: app,
      env: { KEYTURN_HOME: dirs.make(), KEYTURN_PORT: String(port) },
      reject: false,
      // bin/start.js forwards SIGTERM to browser mode and exits with it
      killSignal: 'SIGTERM',
    });
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /Keyturn console: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+))\n/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      void child.then((r) => reject(new Error(`npm start exited ${r.exitCode} before printing the URL:\n${stdout}\n${stderr}`)));
    });
    try {
      expect(stderr.split('\n').filter((l) => /Electron/.test(l))).toEqual(["Electron's binary is not installed here; starting browser mode instead."]);
      expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=[A-Za-z0-9_-]{20,}$`));
      const ok = await fetch(url);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(/<html/i);
      const refused = await fetch(`http://127.0.0.1:${port}/`);
      expect(refused.status).toBe(401);
      const wrong = await fetch(`http://127.0.0.1:${port}/?token=not-the-token-${'x'.repeat(24)}`);
      expect(wrong.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
      await child;
    }
    const r = await child;
    expect(r.isTerminated || r.exitCode === 0).toBe(true);
    // Stopped: nothing listens on the port any more.
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  }, 5 * 60_000);
});
