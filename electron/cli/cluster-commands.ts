/** `keyturn cluster add|list|show|remove`. */
import type { Command } from 'commander';
import { KeyturnError } from '../../shared/errors.ts';
import { invoke } from '../registry/dispatch.ts';
import { readClusterFile } from '../services/cluster-file.ts';
import type { CliContext } from './context.ts';
import { printJson, table } from './output.ts';

export function registerClusterCommands(program: Command, ctx: CliContext): void {
  const cluster = program.command('cluster').description('register and inspect Keycloak clusters');

  cluster
    .command('add')
    .description('register a cluster from a YAML or JSON file (connects to nothing)')
    .requiredOption('-f, --file <path>', 'cluster file (see README: "Cluster file")')
    .option('--json', 'print the registered cluster as JSON')
    .action(async (o: { file: string; json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        const spec = readClusterFile(o.file);
        const detail = await invoke(handlers, 'clusters:register', { spec });
        if (o.json) printJson(io, detail);
        else io.out(`Registered cluster '${detail.name}' (Keycloak ${detail.spec.keycloak.version}, ${detail.nodes.length} node(s)). Before any run, compare and pin its SSH host keys: keyturn cluster trust ${detail.name}\n`);
      });
    });

  cluster
    .command('list')
    .description('list registered clusters with what each needs next (--json: every fleet fact)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        const list = await invoke(handlers, 'clusters:list', undefined);
        if (o.json) return printJson(io, list);
        if (list.length === 0) return io.out('No clusters registered. Add one with: keyturn cluster add --file cluster.yaml\n');
        // The first columns stay as they were (scripts read them); the fleet facts follow, the most urgent next action last.
        table(io, ['NAME', 'ENVIRONMENT', 'VERSION', 'NODES', 'HEALTH', 'LAST BACKUP', 'LAST RUN', 'BEHIND', 'NEXT ACTION'],
          list.map((c) => [c.name, c.environment, c.version, c.nodeCount, c.health, c.lastBackupAt, c.lastRun ? `${c.lastRun.kind} ${c.lastRun.status}` : null,
            c.versions?.behind ?? null, c.nextActions?.[0]?.text ?? null]));
      });
    });

  cluster
    .command('show')
    .description('show one cluster: spec, nodes and pinned host keys')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        const d = await invoke(handlers, 'clusters:get', { name });
        if (o.json) return printJson(io, d);
        io.out(`${d.name} (${d.spec.environment})  Keycloak ${d.spec.keycloak.version}\n`);
        io.out(`database  ${d.spec.database.user}@${d.spec.database.host}:${d.spec.database.port}/${d.spec.database.name}\n`);
        io.out(`traffic   ${d.spec.traffic.kind} ${d.spec.traffic.name}\n\n`);
        table(io, ['NODE', 'SSH', 'HOST KEY'], d.nodes.map((n) => [n.name, `${n.user}@${n.host}:${n.port}`, n.hostKey ? n.hostKey.fingerprint : 'not pinned']));
        const opts = Object.entries(d.spec.keycloak.options);
        if (opts.length) {
          io.out('\n');
          table(io, ['OPTION', 'VALUE'], opts);
        }
      });
    });

  cluster
    .command('remove')
    .description('forget a cluster and its history (touches none of its hosts)')
    .argument('<name>')
    .option('--yes', 'confirm: required, because the run history goes with it')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { yes?: boolean; json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        if (!o.yes) throw new KeyturnError('invalid-input', `Removing '${name}' also forgets its run history and backups records.`, `Export the ledger first if you need them (keyturn ledger export), then run: keyturn cluster remove ${name} --yes`);
        const r = await invoke(handlers, 'clusters:remove', { name });
        if (o.json) printJson(io, r);
        else io.out(`Removed cluster '${name}' from the ledger.\n`);
      });
    });
}
