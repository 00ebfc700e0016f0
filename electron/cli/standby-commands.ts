/**
 * `keyturn standby list --cluster C [--all] [--json]`: the colours a
 * cluster's blue/green runs built, which one serves and which one is kept as
 * standby (hosts that cost money and hold a copy of the data until they are
 * decommissioned). Exit 3 for an unknown cluster.
 */
import type { Command } from 'commander';
import { invoke } from '../registry/dispatch.ts';
import type { CliContext } from './context.ts';
import { printJson, table } from './output.ts';

export function registerStandbyCommands(program: Command, ctx: CliContext): void {
  const standby = program.command('standby').description("a cluster's blue/green colours: which one serves, which one is kept as standby");
  standby
    .command('list')
    .description('the colours that still exist (building, active, standby), newest first')
    .requiredOption('-c, --cluster <name>', 'registered cluster')
    .option('--all', 'also the destroyed ones')
    .option('--json', 'print JSON')
    .action(async (o: { cluster: string; all?: boolean; json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        const colours = await invoke(handlers, 'standby:list', { cluster: o.cluster, all: o.all === true });
        if (o.json) return printJson(io, colours);
        if (colours.length === 0) return io.out(`No blue/green colours are recorded for '${o.cluster}': it runs as its cluster file describes.\n`);
        table(io, ['COLOUR', 'ROLE', 'VERSION', 'NODES', 'LOAD BALANCER', 'SINCE', 'CLONED FROM'], colours.map((c) => [
          c.colour, c.role, c.version, c.deployment.nodes.map((n) => `${n.name} ${n.address}`).join(', '),
          `${c.deployment.loadBalancer.address}:${c.deployment.loadBalancer.port}`, c.updatedAt, c.clonePoint ?? '-',
        ]));
      });
    });
}
