import { chmod, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolStatusSchema } from '../../shared/contract/toolchain.ts';
import { prerequisiteSchema } from '../../shared/contract/lab.ts';
import { detectTool, detectToolchain, findJdk, javaMajor, labPrerequisites, listJdks, parseVersion } from './toolchain.ts';

/**
 * What this machine has, found independently of the code under test (`which`,
 * the JDKs' `release` files), so the tests hold wherever the programs live
 * and whichever JDKs are installed.
 */
const SBIN_PATH = `${process.env['PATH'] ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`;
async function which(command: string): Promise<string> {
  const r = await execa('which', [command], { env: { PATH: SBIN_PATH }, reject: false });
  if (r.exitCode !== 0 || !r.stdout.trim()) throw new Error(`${command} is not installed on this machine; the toolchain tests need it (install the lab's prerequisites: keyturn lab doctor names the packages).`);
  return r.stdout.trim().split('\n')[0]!;
}

interface MachineJdk { home: string; major: number; temurin: boolean }
async function machineJdks(): Promise<MachineJdk[]> {
  const byHome = new Map<string, MachineJdk>();
  for (const entry of await readdir('/usr/lib/jvm').catch(() => [] as string[])) {
    const home = await realpath(join('/usr/lib/jvm', entry)).catch(() => null);
    if (!home) continue;
    const release = await readFile(join(home, 'release'), 'utf8').catch(() => '');
    const version = /^JAVA_VERSION="([^"]+)"/m.exec(release)?.[1];
    if (!version) continue;
    const [a, b] = version.split('.');
    byHome.set(home, { home, major: Number(a === '1' ? b : a), temurin: /Adoptium|temurin/i.test(`${release} ${home}`) });
  }
  return [...byHome.values()];
}

describe('detectToolchain on this machine', () => {
  it('finds every tool with a version, a path, a purpose and a package, in contract shape', async () => {
    const tools = await detectToolchain();
    for (const t of tools) expect(() => toolStatusSchema.parse(t)).not.toThrow();
    const byName = new Map(tools.map((t) => [t.name, t]));

    const terraform = byName.get('terraform')!;
    expect(terraform).toMatchObject({ found: true, path: await which('terraform'), debianPackage: 'terraform' });
    expect(terraform.version).toMatch(/^\d+\.\d+\.\d+$/);
    // and the version is the one terraform itself reports
    expect((await execa(terraform.path!, ['version'])).stdout).toContain(`v${terraform.version}`);

    expect(byName.get('sshd')).toMatchObject({ found: true, path: await which('sshd'), version: expect.stringMatching(/^\d+\.\d+/), debianPackage: 'openssh-server' });
    expect(byName.get('pg_dump')).toMatchObject({ found: true, path: await which('pg_dump'), purpose: 'backs up the Keycloak database before any change', debianPackage: 'postgresql-client' });
    expect(byName.get('initdb')?.found).toBe(true);
    expect(byName.get('mvn')?.version).toMatch(/^3\.\d+\.\d+$/);
    expect(byName.get('named')?.version).toMatch(/^9\.\d+/);
    expect(byName.get('ansible-playbook')?.version).toMatch(/^2\.\d+\.\d+$/);
    expect(byName.get('java')).toMatchObject({ found: true, path: await which('java') });
    for (const name of ['ssh', 'psql', 'pg_ctl', 'nsupdate', 'dig', 'haproxy', 'unzip']) {
      expect(byName.get(name), name).toMatchObject({ found: true, version: expect.stringMatching(/^\d/) });
    }
    // One entry per real JDK directory (Debian's symlink alias is not listed twice), each JDK of the machine listed.
    const jdkEntries = tools.filter((t) => t.name.startsWith('java ('));
    const machine = await machineJdks();
    expect(jdkEntries.map((t) => t.path).sort()).toEqual(machine.map((j) => join(j.home, 'bin', 'java')).sort());
    for (const j of machine) {
      const entry = jdkEntries.find((t) => t.path === join(j.home, 'bin', 'java'))!;
      expect(entry.name).toBe(`java (${j.home.slice(j.home.lastIndexOf('/') + 1)})`);
      expect(entry.version?.startsWith(`${j.major}.`) || entry.version === String(j.major)).toBe(true);
    }
  });

  it('reports a program that does not exist as not found, without throwing', async () => {
    const status = await detectTool({ name: 'bogus', command: 'keyturn-bogus-tool-xyz', versionArgs: ['--version'], purpose: 'nothing', extraDirs: ['/usr/sbin'] });
    expect(status).toEqual({ name: 'bogus', found: false, version: null, path: null, purpose: 'nothing', debianPackage: null });
  });
});

describe('JDKs', () => {
  /** A JVM root laid out like /usr/lib/jvm, with JDKs this machine may not have: the choice between them is what is tested. */
  let jvm: string;
  const jdk = async (dir: string, version: string, implementor: string) => {
    await mkdir(join(jvm, dir, 'bin'), { recursive: true });
    await writeFile(join(jvm, dir, 'release'), `IMPLEMENTOR="${implementor}"\nJAVA_VERSION="${version}"\n`);
    await writeFile(join(jvm, dir, 'bin', 'java'), `#!/bin/sh\necho 'openjdk version "${version}"' >&2\n`);
    await chmod(join(jvm, dir, 'bin', 'java'), 0o755);
  };
  beforeAll(async () => {
    jvm = await mkdtemp(join(tmpdir(), 'keyturn-jvm-'));
    await jdk('java-17-openjdk-amd64', '17.0.15', 'Debian');
    await symlink(join(jvm, 'java-17-openjdk-amd64'), join(jvm, 'java-1.17.0-openjdk-amd64'));
    await jdk('temurin-25-jdk-amd64', '25.0.3', 'Eclipse Adoptium');
    await jdk('java-26-openjdk-amd64', '26.0.1', 'Debian');
    await jdk('temurin-21-jdk-amd64', '21.0.7', 'Eclipse Adoptium');
    await mkdir(join(jvm, 'not-a-jdk'));
  });
  afterAll(() => rm(jvm, { recursive: true, force: true }));

  it('lists JDKs with their major version, newest first, one per real directory', async () => {
    const jdks = await listJdks(jvm);
    expect(jdks.map((j) => j.major)).toEqual([26, 25, 21, 17]);
    expect(jdks.find((j) => j.major === 25)).toMatchObject({ home: join(jvm, 'temurin-25-jdk-amd64'), vendor: 'Eclipse Adoptium', javaPath: join(jvm, 'temurin-25-jdk-amd64', 'bin', 'java'), version: '25.0.3' });
    expect(jdks.find((j) => j.major === 17)?.home).toBe(join(jvm, 'java-17-openjdk-amd64'));
    expect(await listJdks('/nonexistent/jvm')).toEqual([]);
  });

  it('findJdk prefers Temurin 25, then another Temurin, then the newest, and returns null when nothing is new enough', async () => {
    expect((await findJdk(21, jvm))?.home).toBe(join(jvm, 'temurin-25-jdk-amd64'));
    expect((await findJdk(17, jvm))?.home).toBe(join(jvm, 'temurin-25-jdk-amd64'));
    expect((await findJdk(26, jvm))?.home).toBe(join(jvm, 'java-26-openjdk-amd64'));
    await rm(join(jvm, 'temurin-25-jdk-amd64'), { recursive: true });
    expect((await findJdk(21, jvm))?.home).toBe(join(jvm, 'temurin-21-jdk-amd64'));
    expect(await findJdk(99, jvm)).toBeNull();
  });

  it('finds on this machine what /usr/lib/jvm holds, and a JDK 21+ to run Keycloak with', async () => {
    const machine = await machineJdks();
    const listed = await listJdks();
    expect(listed.map((j) => j.home).sort()).toEqual(machine.map((j) => j.home).sort());
    const usable = machine.filter((j) => j.major >= 21);
    if (usable.length === 0) throw new Error('No JDK 21 or newer under /usr/lib/jvm: Keycloak 26 needs one (install temurin-25-jdk, as keyturn lab doctor says).');
    const chosen = (await findJdk(21))!;
    expect(usable.map((j) => j.home)).toContain(chosen.home);
    const temurin25 = usable.find((j) => j.temurin && j.major === 25);
    const temurins = usable.filter((j) => j.temurin);
    if (temurin25) expect(chosen.home).toBe(temurin25.home);
    else expect(chosen.major).toBe(Math.max(...(temurins.length > 0 ? temurins : usable).map((j) => j.major)));
  });

  it('reads Java majors in old and new numbering', () => {
    expect(javaMajor('25.0.3')).toBe(25);
    expect(javaMajor('17.0.15')).toBe(17);
    expect(javaMajor('1.8.0_392')).toBe(8);
    expect(javaMajor('21')).toBe(21);
  });
});

describe('parseVersion', () => {
  it('reads versions out of real banners, including ANSI-coloured ones', () => {
    expect(parseVersion('\u001b[1mApache Maven 3.8.7\u001b[m\nMaven home: /usr/share/maven', /Maven ([\d.]+)/)).toBe('3.8.7');
    expect(parseVersion('OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026', /OpenSSH_([\w.]+)/)).toBe('9.2p1');
    expect(parseVersion('pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)')).toBe('15.18');
    expect(parseVersion('no digits here')).toBeNull();
  });
});

describe('labPrerequisites', () => {
  it('lists what the lab needs, each with a purpose, and finds a JDK 21+ here', async () => {
    const prereqs = await labPrerequisites();
    for (const p of prereqs) expect(() => prerequisiteSchema.parse(p)).not.toThrow();
    const names = prereqs.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['terraform', 'ansible-playbook', 'sshd', 'initdb', 'haproxy', 'named', 'mvn', 'ansible.posix collection', 'JDK 21 or newer']));
    expect(names).not.toContain('java');
    const jdk = (await findJdk(21))!;
    expect(jdk).not.toBeNull();
    expect(prereqs.find((p) => p.name === 'JDK 21 or newer')).toMatchObject({ found: true, detail: `${jdk.vendor ?? 'JDK'} ${jdk.version} at ${jdk.home}` });
    expect(prereqs.find((p) => p.name === 'ansible.posix collection')?.found).toBe(true);
    const terraform = await which('terraform');
    const detail = prereqs.find((p) => p.name === 'terraform')?.detail ?? '';
    expect(detail).toMatch(/^\d+\.\d+\.\d+ at /);
    expect(detail.slice(detail.indexOf(' at ') + 4)).toBe(terraform);
  });
});
