/**
 * Installing what the lab (or the test suite) lacks, with Debian's apt-get.
 *
 * One plan and one installer for the three places that need them: `keyturn
 * lab doctor --install`, `npm test` (through `lab doctor --suite --install`)
 * and the console's "Create local sandbox". Each first shows the plan — the
 * packages, what each is for, and the exact command — and installs only when
 * this process can (root, apt-get present) and the operator agreed. When it
 * can't, the plan's command is what the operator runs; nothing is ever half
 * installed by us behind their back.
 */
import { existsSync } from 'node:fs';
import type { InstallPlan, Prerequisite } from '../../shared/contract/lab.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { runTool, type OutputStream } from '../tools/process.ts';

/** Packages apt can't provide here (Temurin comes from Adoptium's repository, not Debian's). */
const notFromDebian = new Set(['temurin-25-jdk', 'terraform']);

export interface InstallEnvironment {
  /** Effective uid; installing packages needs 0. */
  uid: number;
  /** Path of apt-get, or null when this is not a Debian-like system. */
  aptGet: string | null;
}

/** This process's uid and whether apt-get exists. */
export function currentInstallEnvironment(): InstallEnvironment {
  return { uid: process.getuid?.() ?? -1, aptGet: existsSync('/usr/bin/apt-get') ? '/usr/bin/apt-get' : null };
}

/**
 * What installing the missing prerequisites takes: one entry per Debian
 * package (with the programs it brings and why they matter), the single
 * command an operator can run, whether Keyturn may run it itself, and the
 * prerequisites no Debian package provides (with what to do instead).
 */
export function planInstall(prereqs: readonly Prerequisite[], env: InstallEnvironment = currentInstallEnvironment()): InstallPlan {
  const missing = prereqs.filter((p) => !p.found);
  const byPackage = new Map<string, { name: string; programs: string[]; purposes: string[] }>();
  const manual: InstallPlan['manual'] = [];
  for (const p of missing) {
    if (!p.debianPackage || notFromDebian.has(p.debianPackage)) {
      manual.push({ name: p.name, detail: p.detail, purpose: p.purpose, how: manualHint(p) });
      continue;
    }
    const entry = byPackage.get(p.debianPackage) ?? { name: p.debianPackage, programs: [], purposes: [] };
    entry.programs.push(p.name);
    if (!entry.purposes.includes(p.purpose)) entry.purposes.push(p.purpose);
    byPackage.set(p.debianPackage, entry);
  }
  const packages = [...byPackage.values()].map((e) => ({ name: e.name, programs: e.programs, purpose: e.purposes.join('; ') }));
  const names = packages.map((p) => p.name);
  const command = names.length ? `${env.uid === 0 ? '' : 'sudo '}apt-get install -y --no-install-recommends ${names.join(' ')}` : '';
  let reason: string | null = null;
  if (names.length === 0) reason = 'nothing to install from Debian packages';
  else if (env.aptGet === null) reason = 'apt-get was not found: this is not a Debian-like system';
  else if (env.uid !== 0) reason = 'installing packages needs root, and Keyturn is not running as root';
  return { packages, command, canInstall: reason === null, reason, manual };
}

function manualHint(p: Prerequisite): string {
  if (p.debianPackage === 'terraform') return 'Install Terraform from HashiCorp (a single binary on PATH, e.g. /usr/local/bin/terraform).';
  if (/JDK/i.test(p.name)) return 'Install a JDK 21 or newer under /usr/lib/jvm (Temurin 25 from Adoptium, or openjdk-21-jre-headless where your distribution has it).';
  return `Install "${p.name}" and put it on PATH.`;
}

export interface InstallProgress {
  /** One line per package before apt starts, so the operator sees what is installed and why. */
  onPackage?: (pkg: InstallPlan['packages'][number]) => void;
  /** Every line apt-get prints. */
  onLine?: (stream: OutputStream, line: string) => void;
  signal?: AbortSignal;
}

/**
 * Runs the plan: `apt-get update`, then one `apt-get install` of every
 * package. Refuses (with the command to run instead) when the plan says
 * Keyturn can't; a failing apt-get is a `tool-failed` naming the packages.
 */
export async function installPackages(plan: InstallPlan, progress: InstallProgress = {}, env: InstallEnvironment = currentInstallEnvironment()): Promise<void> {
  if (plan.packages.length === 0) return;
  if (!plan.canInstall || env.aptGet === null) {
    throw new KeyturnError('tool-missing', `Missing packages: ${plan.packages.map((p) => p.name).join(', ')}; Keyturn cannot install them (${plan.reason ?? 'not possible here'}).`, `Run: ${plan.command}`);
  }
  for (const pkg of plan.packages) progress.onPackage?.(pkg);
  const aptEnv = { DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a' };
  const common = { command: env.aptGet, env: aptEnv, timeoutMs: 30 * 60_000, ...(progress.onLine ? { onLine: progress.onLine } : {}), ...(progress.signal ? { signal: progress.signal } : {}) };
  const update = await runTool({ ...common, tool: 'apt-get update', args: ['update', '-q'] });
  if (update.exitCode !== 0) {
    throw new KeyturnError('tool-failed', `apt-get update failed (exit ${update.exitCode}).`, 'Check the package sources (/etc/apt/sources.list*) and the network to the Debian mirror, then try again.', { lastLines: update.stderr.split('\n').slice(-8) });
  }
  const install = await runTool({ ...common, tool: 'apt-get install', args: ['install', '-y', '-q', '--no-install-recommends', '--', ...plan.packages.map((p) => p.name)] });
  if (install.exitCode !== 0) {
    throw new KeyturnError('tool-failed', `apt-get install ${plan.packages.map((p) => p.name).join(' ')} failed (exit ${install.exitCode}).`, `Read apt's message above, then run: ${plan.command}`, { lastLines: install.stderr.split('\n').slice(-8) });
  }
}
