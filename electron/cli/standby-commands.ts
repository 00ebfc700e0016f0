/**
 * `keyturn standby list --cluster C [--all] [--json]`: the colours a
 * cluster's blue/green runs built, which one serves and which one is kept as
 * standby (hosts that cost money and hold a copy of the data until they are
 * decommissioned). Exit 3 for an unknown cluster.
 *
 * `keyturn standby decommission --cluster C [--colour X] --yes [--json]`:
 * removes the standby. Without --yes it only says what it would do and what
 * is lost with it, and exits 2: the flag is the CLI's typed confirmation.
 */
import type { Command } from 'commander';
import { colourSchema, type Colour } from '../../shared/contract/colours.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { invoke } from '../registry/dispatch.ts';
import type { DecommissionPlan } from '../services/standby-service.ts';
import type { CliContext } from './context.ts';
import { printJson, table, type Io } from './output.ts';

function printPlan(io: Io, p: DecommissionPlan): void {
  io.out(`Decommission ${p.colour} of ${p.cluster} (${p.role}, Keycloak ${p.version})
`);
  io.out(`  nodes: ${p.nodes.map((n) => `${n.name} ${n.address}`).join(', ')}
`);
  io.out(`  does:  ${p.does}
`);
  io.out(`  costs: ${p.costs}
`);
}

function parseColour(raw: string | undefined): Colour | undefined {
  if (raw === undefined) return undefined;
  const c = colourSchema.safeParse(raw);
  if (!c.success) throw new KeyturnError('invalid-input', `--colour ${raw} is not a colour.`, 'Give blue or green: the colour keyturn standby list shows as standby.');
  return c.data;
}

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

  standby
    .command('decommission')
    .description('remove the standby colour: Terraform destroy of its workspace, or Keycloak stopped on the hosts the cluster file described')
    .requiredOption('-c, --cluster <name>', 'registered cluster')
    .option('--colour <colour>', 'the colour you expect to be standby (refused if it is active by now)')
    .option('--yes', 'confirm: required, the colour and the data on it are gone afterwards')
    .option('--json', 'print JSON')
    .action(async (o: { cluster: string; colour?: string; yes?: boolean; json?: boolean }) => {
      await ctx.run(o.json, async ({ services, handlers, io }) => {
        const colour = parseColour(o.colour);
        const plan = services.standby.plan(o.cluster, colour);
        if (!o.yes) {
          if (!o.json) printPlan(io, plan);
          throw new KeyturnError('invalid-input', `Nothing was done: decommissioning ${plan.colour} of '${plan.cluster}' needs confirmation.`,
            `Add --yes to go ahead: keyturn standby decommission --cluster ${plan.cluster} --colour ${plan.colour} --yes`, { plan });
        }
        if (!o.json) io.out(`Decommissioning ${plan.colour} of ${plan.cluster}: ${plan.does}\n`);
        const record = await invoke(handlers, 'standby:decommission', { cluster: o.cluster, confirm: o.cluster, colour: plan.colour });
        if (o.json) return printJson(io, record);
        io.out(`${record.colour} of ${record.clusterName} is decommissioned (recorded ${record.role} at ${record.updatedAt}).\n`);
      });
    });
}
