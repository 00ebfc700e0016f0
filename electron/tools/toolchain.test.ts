import { describe, expect, it } from 'vitest';
import { toolStatusSchema } from '../../shared/contract/toolchain.ts';
import { prerequisiteSchema } from '../../shared/contract/lab.ts';
import { detectTool, detectToolchain, findJdk, javaMajor, labPrerequisites, listJdks, parseVersion } from './toolchain.ts';

describe('detectToolchain on this machine', () => {
  it('finds every tool with a version, a path, a purpose and a package, in contract shape', async () => {
    const t0 = Date.now();
    const tools = await detectToolchain();
    // Probes run in parallel with short timeouts; mvn (a JVM start) dominates.
    expect(Date.now() - t0).toBeLessThan(20_000);
    for (const t of tools) expect(() => toolStatusSchema.parse(t)).not.toThrow();
    const byName = new Map(tools.map((t) => [t.name, t]));

    const terraform = byName.get('terraform')!;
    expect(terraform).toMatchObject({ found: true, path: '/usr/local/bin/terraform', debianPackage: 'terraform' });
    expect(terraform.version).toMatch(/^\d+\.\d+\.\d+$/);

    expect(byName.get('sshd')).toMatchObject({ found: true, path: '/usr/sbin/sshd', version: expect.stringMatching(/^\d+\.\d+/), debianPackage: 'openssh-server' });
    expect(byName.get('pg_dump')).toMatchObject({ found: true, purpose: 'backs up the Keycloak database before any change', debianPackage: 'postgresql-client' });
    expect(byName.get('initdb')?.found).toBe(true);
    expect(byName.get('mvn')?.version).toMatch(/^3\.\d+\.\d+$/);
    expect(byName.get('named')?.version).toMatch(/^9\.\d+/);
    expect(byName.get('ansible-playbook')?.version).toMatch(/^2\.\d+\.\d+$/);
    expect(byName.get('java')?.found).toBe(true);
    for (const name of ['ssh', 'psql', 'pg_ctl', 'nsupdate', 'dig', 'haproxy', 'unzip']) {
      expect(byName.get(name), name).toMatchObject({ found: true, version: expect.stringMatching(/^\d/) });
    }
    // One entry per real JDK directory (Debian's symlink alias is not listed twice).
    const jdkEntries = tools.filter((t) => t.name.startsWith('java ('));
    expect(jdkEntries.some((t) => t.name === 'java (temurin-25-jdk-amd64)' && t.version?.startsWith('25.'))).toBe(true);
    expect(new Set(jdkEntries.map((t) => t.path)).size).toBe(jdkEntries.length);
  });

  it('reports a program that does not exist as not found, without throwing', async () => {
    const status = await detectTool({ name: 'bogus', command: 'keyturn-bogus-tool-xyz', versionArgs: ['--version'], purpose: 'nothing', extraDirs: ['/usr/sbin'] });
    expect(status).toEqual({ name: 'bogus', found: false, version: null, path: null, purpose: 'nothing', debianPackage: null });
  });
});

describe('JDKs', () => {
  it('lists JDKs under /usr/lib/jvm with their major version, newest first', async () => {
    const jdks = await listJdks();
    expect(jdks.find((j) => j.major === 25)).toMatchObject({ home: '/usr/lib/jvm/temurin-25-jdk-amd64', vendor: 'Eclipse Adoptium', javaPath: '/usr/lib/jvm/temurin-25-jdk-amd64/bin/java' });
    expect(jdks.some((j) => j.major === 17)).toBe(true);
    expect(jdks.map((j) => j.major)).toEqual([...jdks.map((j) => j.major)].sort((a, b) => b - a));
    expect(new Set(jdks.map((j) => j.home)).size).toBe(jdks.length);
  });

  it('findJdk prefers Temurin 25 and returns null when nothing is new enough', async () => {
    expect((await findJdk(21))?.home).toBe('/usr/lib/jvm/temurin-25-jdk-amd64');
    expect((await findJdk(17))?.home).toBe('/usr/lib/jvm/temurin-25-jdk-amd64');
    expect(await findJdk(99)).toBeNull();
    expect(await listJdks('/nonexistent/jvm')).toEqual([]);
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
    expect(prereqs.find((p) => p.name === 'JDK 21 or newer')).toMatchObject({ found: true, detail: expect.stringContaining('temurin-25-jdk-amd64') });
    expect(prereqs.find((p) => p.name === 'ansible.posix collection')?.found).toBe(true);
    expect(prereqs.find((p) => p.name === 'terraform')?.detail).toMatch(/^\d+\.\d+\.\d+ at \/usr\/local\/bin\/terraform$/);
  });
});
