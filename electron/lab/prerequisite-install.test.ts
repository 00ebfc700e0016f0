/**
 * The install plan and installer behind `lab doctor --install`, `npm test`'s
 * provisioning and the console's "Install prerequisites": planned from the
 * real prerequisite list, refused with the exact command where Keyturn may
 * not install, and run with the real apt-get where it may.
 */
import { describe, expect, it } from 'vitest';
import type { Prerequisite } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { labPrerequisites, suitePrerequisites } from '../tools/toolchain.ts';
import { currentInstallEnvironment, installPackages, planInstall } from './prerequisite-install.ts';

const missing = (name: string, debianPackage: string | null, purpose = `${name} purpose`): Prerequisite => ({ name, found: false, detail: 'not found', purpose, debianPackage });
const found = (name: string, debianPackage: string): Prerequisite => ({ name, found: true, detail: `/usr/bin/${name}`, purpose: 'p', debianPackage });
const root = { uid: 0, aptGet: '/usr/bin/apt-get' };

describe('planInstall', () => {
  it('groups missing programs by Debian package, with their purposes, and one command', () => {
    const plan = planInstall([missing('nsupdate', 'bind9-dnsutils', 'switches DNS'), missing('dig', 'bind9-dnsutils', 'checks DNS'), missing('haproxy', 'haproxy'), found('ssh', 'openssh-client')], root);
    expect(plan.packages).toEqual([
      { name: 'bind9-dnsutils', programs: ['nsupdate', 'dig'], purpose: 'switches DNS; checks DNS' },
      { name: 'haproxy', programs: ['haproxy'], purpose: 'haproxy purpose' },
    ]);
    expect(plan.command).toBe('apt-get install -y --no-install-recommends bind9-dnsutils haproxy');
    expect(plan).toMatchObject({ canInstall: true, reason: null, manual: [] });
  });

  it('says why it cannot install, and gives the sudo command, when not root or without apt-get', () => {
    const notRoot = planInstall([missing('haproxy', 'haproxy')], { uid: 1000, aptGet: '/usr/bin/apt-get' });
    expect(notRoot).toMatchObject({ canInstall: false, command: 'sudo apt-get install -y --no-install-recommends haproxy' });
    expect(notRoot.reason).toMatch(/needs root/);
    const noApt = planInstall([missing('haproxy', 'haproxy')], { uid: 0, aptGet: null });
    expect(noApt.canInstall).toBe(false);
    expect(noApt.reason).toMatch(/apt-get was not found/);
  });

  it('lists what no Debian package provides (a JDK, Terraform) with what to do instead', () => {
    const plan = planInstall([missing('JDK 21 or newer', 'temurin-25-jdk'), missing('terraform', 'terraform')], root);
    expect(plan.packages).toEqual([]);
    expect(plan.canInstall).toBe(false);
    expect(plan.manual.map((m) => m.name)).toEqual(['JDK 21 or newer', 'terraform']);
    expect(plan.manual[0]!.how).toMatch(/JDK 21 or newer under \/usr\/lib\/jvm/);
    expect(plan.manual[1]!.how).toMatch(/HashiCorp/);
  });

  it('plans from the real prerequisite lists: the suite adds Chromium and pdftoppm (poppler-utils) to the lab\'s', async () => {
    const [lab, suite] = await Promise.all([labPrerequisites(), suitePrerequisites()]);
    expect(suite.map((p) => p.name)).toEqual([...lab.map((p) => p.name), 'chromium', 'pdftoppm']);
    expect(suite.find((p) => p.name === 'pdftoppm')?.debianPackage).toBe('poppler-utils');
    const plan = planInstall(suite);
    // whatever this machine lacks is either a package in the plan or a manual item: nothing missing goes unnamed
    const named = new Set([...plan.packages.flatMap((p) => p.programs), ...plan.manual.map((m) => m.name)]);
    for (const p of suite.filter((s) => !s.found)) expect(named.has(p.name)).toBe(true);
  });
});

describe('installPackages', () => {
  it('refuses with the command to run instead when it may not install', async () => {
    const plan = planInstall([missing('haproxy', 'haproxy')], { uid: 1000, aptGet: '/usr/bin/apt-get' });
    const err = await installPackages(plan, {}, { uid: 1000, aptGet: '/usr/bin/apt-get' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyturnError);
    expect(err).toMatchObject({ code: 'tool-missing', hint: 'Run: sudo apt-get install -y --no-install-recommends haproxy' });
  });

  it('runs the real apt-get as root, announcing each package first and streaming apt\'s lines', async () => {
    const env = currentInstallEnvironment();
    // The CI and development machines run as root on Debian; installing a package that is already there changes nothing.
    expect(env.uid, 'this test runs where npm test provisions packages: as root').toBe(0);
    expect(env.aptGet).not.toBeNull();
    const plan = planInstall([missing('unzip', 'unzip')], env);
    const announced: string[] = [];
    const lines: string[] = [];
    await installPackages(plan, { onPackage: (p) => announced.push(p.name), onLine: (_s, l) => lines.push(l) }, env);
    expect(announced).toEqual(['unzip']);
    expect(lines.join('\n')).toMatch(/unzip is already the newest version|Setting up unzip/);
  }, 600_000);
});
