/**
 * `lab up` / `lab down`: the sandbox built exactly the way a customer builds
 * a cluster. Terraform creates the hosts, database, load balancer and DNS;
 * Ansible installs Keycloak over SSH; Keyturn records every step and every
 * line of output as a run in the ledger and registers the result as cluster
 * `lab`. `down` always runs Terraform's destroy, so even a half-built lab is
 * cleaned up completely.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { KeyturnError } from '../../shared/errors.ts';
import { listColours, setColourRole } from '../ledger/colours-repo.ts';
import { getCluster, insertCluster, pinHostKey, setClusterHealth, updateCluster } from '../ledger/clusters-repo.ts';
import type { RunRecorder } from '../runs/run-recorder.ts';
import { beginRun, type RecorderDeps } from '../runs/run-recorder.ts';
import type { ArtifactService } from '../services/artifact-service.ts';
import { runPlaybook, type AnsibleEvent } from '../tools/ansible.ts';
import { recordAnsibleEvent } from '../runs/ansible-events.ts';
import { createRedactor } from '../tools/redact.ts';
import { scanHostKey } from '../tools/ssh.ts';
import { terraformApply, terraformDestroy, terraformInit } from '../tools/terraform.ts';
import { destroyColour } from '../tools/terraform-colour.ts';
import { listWorkspaces } from '../tools/terraform-workspace.ts';
import { findJdk, labPrerequisites } from '../tools/toolchain.ts';
import { installPackages, planInstall } from './prerequisite-install.ts';
import { credentialValues, labCredentials, labPaths, type LabCredentials, type LabPaths } from './lab-paths.ts';
import { labClusterSpec, labOptions } from './lab-cluster.ts';
import { labColours, labColourVariable, readLabOutputs, writeRootModule, type LabOutputs } from './lab-terraform.ts';
import { verifyLab } from './lab-verify.ts';

export interface LabUpOptions {
  version?: string;
  nodes?: number;
}

export interface LabServiceDeps extends RecorderDeps {
  home: string;
  artifacts: ArtifactService;
}

const lockScope = 'lab';
const upSteps = [
  { kind: 'lab.prerequisites', title: 'Check prerequisites' },
  { kind: 'lab.artifact', title: 'Keycloak distribution' },
  { kind: 'lab.provision', title: 'Provision hosts, database, load balancer and DNS (Terraform)' },
  { kind: 'lab.install', title: 'Install Keycloak on every node (Ansible)' },
  { kind: 'lab.realm', title: 'Create realm, client and user' },
  { kind: 'lab.register', title: 'Register cluster "lab" and pin host keys' },
  { kind: 'lab.verify', title: 'Verify: one cluster, tokens through the DNS name' },
];

/** Terraform events become run events; each resource's progress is tagged with its address. */
function terraformSink(rec: RunRecorder) {
  return (e: { kind: string; level: 'debug' | 'info' | 'warn' | 'error'; resource?: string; message: string; data: Record<string, unknown> }) =>
    rec.event('terraform', e.kind, e.level, { message: e.message, ...(e.resource ? { resource: e.resource } : {}), ...e.data });
}

const ansibleSink = (rec: RunRecorder) => (e: AnsibleEvent) => recordAnsibleEvent(rec, e);

async function provision(paths: LabPaths, creds: LabCredentials, nodes: number, rec: RunRecorder, signal?: AbortSignal): Promise<LabOutputs> {
  writeRootModule(paths, { nodeCount: nodes, sshUser: userInfo().username });
  const onEvent = terraformSink(rec);
  await terraformInit({ dir: paths.terraformDir, onEvent, ...(signal ? { signal } : {}) });
  await terraformApply({ dir: paths.terraformDir, secretVars: { db_password: creds.dbPassword }, onEvent, timeoutMs: 15 * 60_000, ...(signal ? { signal } : {}) });
  const out = await readLabOutputs(paths);
  if (!out) throw new KeyturnError('lab-failed', 'Terraform finished but the lab module reported no outputs.', 'Run `keyturn lab down`, then `keyturn lab up` again.');
  writeFileSync(paths.inventoryFile, out.ansible_inventory, { mode: 0o600 });
  return out;
}

async function installKeycloak(paths: LabPaths, out: LabOutputs, creds: LabCredentials, zip: string, version: string, rec: RunRecorder, signal?: AbortSignal): Promise<void> {
  const jdk = await findJdk(21);
  if (!jdk) throw new KeyturnError('tool-missing', 'No JDK 21 or newer was found under /usr/lib/jvm to run Keycloak.', 'Install Temurin 25 or OpenJDK 21 (apt-get install openjdk-21-jre-headless), then run `keyturn lab up` again.');
  rec.event('engine', 'lab.jdk', 'info', { message: `Keycloak nodes run on ${jdk.vendor ?? 'JDK'} ${jdk.version} (${jdk.home})`, home: jdk.home, version: jdk.version });
  await runPlaybook({
    playbook: join(paths.resources, 'ansible', 'install-keycloak.yml'),
    inventory: paths.inventoryFile,
    // The lab pinned each node's key into its own known_hosts as Terraform created it (node-host.sh).
    hostKeys: { knownHostsFile: join(paths.stateDir, 'ssh', 'known_hosts') },
    cwd: join(paths.resources, 'ansible'),
    extraVars: {
      keycloak_version: version,
      keycloak_zip: zip,
      keycloak_java_home: jdk.home,
      keycloak_options: { ...labOptions(out), 'db-password': creds.dbPassword },
      keycloak_admin_user: creds.adminUser,
      keycloak_admin_password: creds.adminPassword,
      keycloak_expected_cluster_size: out.nodes.length,
    },
    onEvent: ansibleSink(rec),
    redact: createRedactor(credentialValues(creds)),
    timeoutMs: 30 * 60_000,
    ...(signal ? { signal } : {}),
  });
}

async function createRealm(paths: LabPaths, creds: LabCredentials, rec: RunRecorder, signal?: AbortSignal): Promise<void> {
  await runPlaybook({
    playbook: join(paths.resources, 'ansible', 'realm.yml'),
    inventory: paths.inventoryFile,
    // The lab pinned each node's key into its own known_hosts as Terraform created it (node-host.sh).
    hostKeys: { knownHostsFile: join(paths.stateDir, 'ssh', 'known_hosts') },
    cwd: join(paths.resources, 'ansible'),
    extraVars: {
      keycloak_admin_user: creds.adminUser,
      keycloak_admin_password: creds.adminPassword,
      lab_realm: creds.realm,
      lab_client_id: creds.clientId,
      lab_client_secret: creds.clientSecret,
      lab_user: creds.username,
      lab_user_password: creds.userPassword,
    },
    onEvent: ansibleSink(rec),
    redact: createRedactor(credentialValues(creds)),
    timeoutMs: 5 * 60_000,
    ...(signal ? { signal } : {}),
  });
}

/** Records the lab as cluster `lab` and pins the host keys Terraform just created (trust on creation). */
async function register(deps: LabServiceDeps, paths: LabPaths, out: LabOutputs, creds: LabCredentials, version: string): Promise<string> {
  const jdk = await findJdk(21);
  const spec = labClusterSpec(paths, out, creds, version, jdk?.home ?? '/usr/lib/jvm/default-java');
  let exists = true;
  try {
    getCluster(deps.db, 'lab');
  } catch {
    exists = false;
  }
  if (exists) updateCluster(deps.db, 'lab', spec);
  else insertCluster(deps.db, spec);
  for (const n of out.nodes) {
    const key = await scanHostKey({ host: n.address, port: n.ssh_port, timeoutMs: 5000 });
    pinHostKey(deps.db, 'lab', n.name, key);
  }
  return getCluster(deps.db, 'lab').id;
}

/** `lab down`'s Terraform part: each colour workspace that exists (green, then blue), then the default workspace. */
async function destroyAllColours(paths: LabPaths, creds: LabCredentials | null, rec: RunRecorder, signal?: AbortSignal): Promise<{ colour: string; workspace: string; removed: number }[]> {
  // Destroy follows the state; the root module from `up` is kept as it was.
  if (!existsSync(join(paths.terraformDir, 'main.tf.json'))) writeRootModule(paths, { nodeCount: 1, sshUser: userInfo().username });
  const onEvent = terraformSink(rec);
  const common = { dir: paths.terraformDir, secretVars: { db_password: creds?.dbPassword ?? 'unused' }, onEvent, timeoutMs: 10 * 60_000, ...(signal ? { signal } : {}) };
  await terraformInit({ dir: paths.terraformDir, onEvent, ...(signal ? { signal } : {}) });
  const { workspaces } = await listWorkspaces({ dir: paths.terraformDir, ...(signal ? { signal } : {}) });
  const destroyed: { colour: string; workspace: string; removed: number }[] = [];
  const announce = (colour: string, workspace: string) => rec.event('engine', 'lab.destroy-colour', 'info', { message: `Destroying ${colour} (Terraform workspace "${workspace}")`, colour, workspace });
  for (const colour of labColours.filter((c) => workspaces.includes(c))) {
    announce(colour, colour);
    const r = await destroyColour({ ...common, colour, variable: labColourVariable });
    destroyed.push({ colour, workspace: colour, removed: r.summary?.changes?.remove ?? 0 });
  }
  announce('blue', 'default');
  const r = await terraformDestroy(common);
  destroyed.push({ colour: 'blue', workspace: 'default', removed: r.changes?.remove ?? 0 });
  return destroyed;
}

export function createLabService(deps: LabServiceDeps) {
  const paths = labPaths(deps.home);
  const labClusterId = () => {
    try {
      return getCluster(deps.db, 'lab').id;
    } catch {
      return null;
    }
  };

  /** Executes `lab up` inside an already-started run. */
  async function executeUp(rec: RunRecorder, opts: Required<LabUpOptions>, signal?: AbortSignal): Promise<void> {
    const creds = labCredentials(paths)!;
    rec.addSecrets(...credentialValues(creds));
    try {
      await rec.step(0, async () => {
        const missing = (await labPrerequisites()).filter((p) => !p.found);
        if (missing.length) {
          const pkgs = [...new Set(missing.map((m) => m.debianPackage).filter(Boolean))].join(' ');
          throw new KeyturnError('tool-missing', `The lab needs: ${missing.map((m) => `${m.name} (${m.purpose})`).join('; ')}.`, `Run \`keyturn lab doctor --install\`${pkgs ? ` (apt-get install ${pkgs})` : ''}, then try again.`);
        }
      });
      const artifact = await rec.step(1, () => deps.artifacts.ensure(opts.version, { ...(signal ? { signal } : {}), onLine: (stream, line) => rec.event('engine', 'maven.line', stream === 'stderr' ? 'warn' : 'debug', { line }) }));
      rec.event('engine', 'lab.artifact', 'info', { message: `Keycloak ${artifact.version} (${artifact.sha256.slice(0, 12)}…)`, path: artifact.path, sha256: artifact.sha256 });
      const out = await rec.step(2, () => provision(paths, creds, opts.nodes, rec, signal));
      await rec.step(3, () => installKeycloak(paths, out, creds, artifact.path, opts.version, rec, signal));
      await rec.step(4, () => createRealm(paths, creds, rec, signal));
      await rec.step(5, () => register(deps, paths, out, creds, opts.version));
      const verified = await rec.step(6, () => verifyLab(out, creds, opts.nodes));
      setClusterHealth(deps.db, 'lab', 'ready');
      rec.succeed({ message: `Lab is up: ${out.public_url} (cluster size ${verified.clusterSize})`, url: out.public_url, clusterSize: verified.clusterSize });
    } catch (err) {
      rec.fail(err);
      throw err;
    }
  }

  return {
    paths,
    doctor: () => labPrerequisites(),

    /** What installing the missing prerequisites takes (shown before the operator agrees). */
    installPlan: async () => planInstall(await labPrerequisites()),

    /**
     * Installs the missing prerequisites as a recorded run (one event per
     * package, then apt's own lines), so the console shows live progress and
     * the ledger keeps what was installed. Refused up front, with the command
     * to run instead, when Keyturn can't install (not root, no apt-get).
     */
    async installPrerequisites(signal?: AbortSignal): Promise<{ runId: string; done: Promise<void> }> {
      const plan = planInstall(await labPrerequisites());
      if (plan.packages.length === 0) {
        throw new KeyturnError('invalid-input', 'No Debian package is missing for the sandbox.', plan.manual.length ? plan.manual.map((m) => m.how).join(' ') : 'Create the sandbox.');
      }
      if (!plan.canInstall) throw new KeyturnError('tool-missing', `Keyturn cannot install the missing packages here: ${plan.reason}.`, `Run: ${plan.command}`);
      const steps = [{ kind: 'lab.install-prerequisites', title: `Install ${plan.packages.map((p) => p.name).join(', ')} (apt-get)` }];
      const rec = beginRun(deps, lockScope, { clusterId: labClusterId(), kind: 'lab-install' }, steps);
      const done = (async () => {
        try {
          await rec.step(0, () =>
            installPackages(plan, {
              onPackage: (pkg) => rec.event('engine', 'apt.package', 'info', { message: `Installing ${pkg.name} (${pkg.programs.join(', ')}): ${pkg.purpose}`, package: pkg.name }),
              onLine: (stream, line) => rec.event('engine', 'apt.line', stream === 'stderr' ? 'warn' : 'debug', { line }),
              ...(signal ? { signal } : {}),
            }),
          );
          const still = (await labPrerequisites()).filter((p) => !p.found);
          rec.succeed({ message: still.length ? `Installed; still missing: ${still.map((p) => p.name).join(', ')}` : 'Every sandbox prerequisite is installed', stillMissing: still.map((p) => p.name) });
        } catch (err) {
          rec.fail(err);
          throw err;
        }
      })();
      return { runId: rec.runId, done };
    },

    /**
     * Starts `lab up` and returns its run id at once plus a promise of its end.
     * The console shows progress from the run's events; the CLI awaits `done`.
     */
    async up(input: LabUpOptions = {}, signal?: AbortSignal): Promise<{ runId: string; done: Promise<void> }> {
      const version = input.version ?? (await deps.artifacts.available()).versions[0];
      if (!version) throw new KeyturnError('artifact-failed', 'No Keycloak version is available to install.', 'Pass --version, or import a distribution with `keyturn artifacts import <zip>`.');
      const opts = { version, nodes: input.nodes ?? 2 };
      const rec = beginRun(deps, lockScope, { clusterId: labClusterId(), kind: 'lab-up', toState: { version, nodes: opts.nodes } }, upSteps);
      return { runId: rec.runId, done: executeUp(rec, opts, signal) };
    },

    /**
     * Destroys everything Terraform created for the lab (even after a failed
     * `up`): every colour's workspace that exists, green before blue (green
     * may still point at blue's DNS), then the default workspace `lab up`
     * built blue in. Each colour destroyed is named in an event and the summary.
     */
    async down(signal?: AbortSignal): Promise<{ runId: string; done: Promise<void> }> {
      const steps = [{ kind: 'lab.destroy', title: 'Destroy hosts, database, load balancer and DNS of every colour (Terraform)' }];
      const rec = beginRun(deps, lockScope, { clusterId: labClusterId(), kind: 'lab-down' }, steps);
      const creds = labCredentials(paths, false);
      if (creds) rec.addSecrets(...credentialValues(creds));
      const done = (async () => {
        try {
          const destroyed = await rec.step(0, () => destroyAllColours(paths, creds, rec, signal));
          const id = labClusterId();
          if (id) {
            setClusterHealth(deps.db, 'lab', 'down');
            // Every colour is gone with the lab: none may come back as a standby or with its old host keys.
            for (const c of listColours(deps.db, id)) setColourRole(deps.db, c.id, 'destroyed', rec.runId);
          }
          rec.succeed({ message: `Lab destroyed: ${destroyed.map((d) => `${d.colour} (workspace "${d.workspace}")`).join(', ')}`, destroyed });
        } catch (err) {
          rec.fail(err);
          throw err;
        }
      })();
      return { runId: rec.runId, done };
    },
  };
}

export type LabService = ReturnType<typeof createLabService>;
