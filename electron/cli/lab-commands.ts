/** `keyturn lab doctor|up|down|status` and `keyturn artifacts list|fetch|import`. */
import type { Command } from 'commander';
import { KeyturnError } from '../../shared/errors.ts';
import { installPackages, planInstall } from '../lab/prerequisite-install.ts';
import { labStatus } from '../lab/lab-status.ts';
import { labPrerequisites, suitePrerequisites } from '../tools/toolchain.ts';
import type { CliContext } from './context.ts';
import { printJson, table } from './output.ts';
import { printProgress } from './progress.ts';

function parseNodes(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new KeyturnError('invalid-input', `--nodes ${v} is not a node count from 1 to 5.`, 'Use --nodes 2 for a cluster that can be upgraded without downtime.');
  return n;
}

export function registerLabCommands(program: Command, ctx: CliContext): void {
  const lab = program.command('lab').description('the local sandbox: a real Keycloak cluster on loopback addresses');

  lab
    .command('doctor')
    .description('check the lab prerequisites; --install installs missing Debian packages')
    .option('--install', 'apt-get install what is missing (needs root), one line per package first')
    .option('--suite', 'also what the test suite needs (Chromium for the end-to-end specs); `npm test` uses this')
    .option('--json', 'print JSON')
    .action(async (o: { install?: boolean; suite?: boolean; json?: boolean }) => {
      await ctx.run(o.json, async ({ io }) => {
        const check = () => (o.suite ? suitePrerequisites() : labPrerequisites());
        let prereqs = await check();
        const plan = planInstall(prereqs);
        if (o.install && plan.packages.length) {
          if (!plan.canInstall) throw new KeyturnError('tool-missing', `Missing: ${plan.packages.flatMap((p) => p.programs).join(', ')}; ${plan.reason}.`, `Run: ${plan.command}`);
          await installPackages(plan, {
            onPackage: (p) => io.err(`Installing ${p.name} (${p.programs.join(', ')}): ${p.purpose}\n`),
            onLine: (_stream, line) => { if (!o.json && /^(E:|W:|Err)/.test(line)) io.err(`  apt: ${line}\n`); },
          });
          prereqs = await check();
        }
        if (o.json) printJson(io, prereqs);
        else table(io, ['PREREQUISITE', 'STATUS', 'DETAIL', 'WHY'], prereqs.map((p) => [p.name, p.found ? 'ok' : `MISSING (apt: ${p.debianPackage ?? '?'})`, p.detail, p.purpose]));
        const after = planInstall(prereqs);
        if (!o.json && after.packages.length) io.err(`Missing Debian packages. Install them with: ${after.command}\n`);
        if (!o.json) for (const m of after.manual) io.err(`Missing ${m.name}: ${m.how}\n`);
        if (prereqs.some((p) => !p.found)) ctx.exitCode = 6;
      });
    });

  lab
    .command('up')
    .description('build the lab (Terraform + Ansible) and register it as cluster "lab"')
    .option('--version <version>', 'Keycloak version (default: the newest published)')
    .option('--nodes <n>', 'number of nodes', '2')
    .option('--verbose', 'print every event')
    .action(async (o: { version?: string; nodes: string; verbose?: boolean }) => {
      await ctx.run(false, async ({ services, io }) => {
        const nodes = parseNodes(o.nodes);
        let runId: string | null = null;
        const stop = printProgress(services.bus, io, () => runId, o.verbose ?? false);
        try {
          const started = await services.lab.up({ ...(o.version ? { version: o.version } : {}), nodes });
          runId = started.runId;
          io.err(`lab up: run ${runId}\n`);
          await started.done;
        } finally {
          stop();
        }
        const status = await labStatus(services.db, services.lab.paths);
        io.out(`Lab is up: ${status.url} (DNS ${status.dns.server}:${status.dns.port}), cluster size ${status.clusterSize}. Details: keyturn lab status\n`);
      });
    });

  lab
    .command('down')
    .description('destroy everything the lab created, even after a failed up')
    .option('--verbose', 'print every event')
    .action(async (o: { verbose?: boolean }) => {
      await ctx.run(false, async ({ services, io }) => {
        let runId: string | null = null;
        const stop = printProgress(services.bus, io, () => runId, o.verbose ?? false);
        try {
          const started = await services.lab.down();
          runId = started.runId;
          await started.done;
        } finally {
          stop();
        }
        io.out('Lab destroyed: no lab process or listening socket remains.\n');
      });
    });

  lab
    .command('status')
    .description('what of the lab runs now, its URL, DNS and lab-only credentials')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await ctx.run(o.json, async ({ services, io }) => {
        const s = await labStatus(services.db, services.lab.paths);
        if (o.json) return printJson(io, s);
        io.out(`state     ${s.state}\nurl       ${s.url}\ndns       ${s.dns.name} @ ${s.dns.server}:${s.dns.port}\nrealm     ${s.realm}  client ${s.clientId}  user ${s.username}\ncluster   size ${s.clusterSize ?? '-'}\n\n`);
        if (s.nodes.length) table(io, ['NODE', 'ADDRESS', 'VERSION', 'READY', 'JDK'], s.nodes.map((n) => [n.name, n.address, n.version, n.ready ? 'yes' : 'no', n.jdk]));
        const c = s.colours;
        if (c) {
          const nodes = (ns: { name: string; address: string }[]) => ns.map((n) => `${n.name} ${n.address}`).join(', ');
          io.out(`\nactive    ${c.active.colour} ${c.active.version}: ${nodes(c.active.nodes)}\n`);
          io.out(c.standby ? `standby   ${c.standby.colour} ${c.standby.version} (${c.standby.role}, ${c.standby.ageSeconds} s): ${nodes(c.standby.nodes)}\n` : 'standby   none\n');
        }
        for (const p of s.problems) io.out(`problem: ${p}\n`);
      });
    });

  const artifacts = program.command('artifacts').description('Keycloak distributions in the artifact store');
  artifacts
    .command('list')
    .option('--available', 'also list the versions the Maven repository publishes')
    .option('--json', 'print JSON')
    .action(async (o: { available?: boolean; json?: boolean }) => {
      await ctx.run(o.json, async ({ services, io }) => {
        const stored = services.artifacts.list();
        const available = o.available ? await services.artifacts.available() : null;
        if (o.json) return printJson(io, { stored, available });
        table(io, ['VERSION', 'SOURCE', 'SHA256', 'PATH'], stored.map((a) => [a.version, a.source, a.sha256.slice(0, 16), a.path]));
        if (available) io.out(`\navailable${available.offline ? ' (offline: local repository only)' : ''}: ${available.versions.join(' ')}\n`);
      });
    });
  artifacts
    .command('fetch')
    .argument('<version>')
    .option('--json', 'print JSON')
    .action(async (version: string, o: { json?: boolean }) => {
      await ctx.run(o.json, async ({ services, io }) => {
        const a = await services.artifacts.ensure(version);
        if (o.json) printJson(io, a);
        else io.out(`Keycloak ${a.version}: ${a.path}\nsha256 ${a.sha256}\n`);
      });
    });
  artifacts
    .command('import')
    .argument('<zip>')
    .option('--json', 'print JSON')
    .action(async (zip: string, o: { json?: boolean }) => {
      await ctx.run(o.json, async ({ services, io }) => {
        const a = await services.artifacts.importZip(zip);
        if (o.json) printJson(io, a);
        else io.out(`Imported Keycloak ${a.version}: ${a.path}\nsha256 ${a.sha256}\n`);
      });
    });
}
