/** `keyturn toolchain`: which external programs this machine has. */
import type { Command } from 'commander';
import { invoke } from '../registry/dispatch.ts';
import type { CliContext } from './context.ts';
import { printJson, table } from './output.ts';

export function registerToolchainCommands(program: Command, ctx: CliContext): void {
  program
    .command('toolchain')
    .description('terraform, ansible-playbook, ssh, java, pg_dump, nsupdate...: found or missing, and why they matter')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        const tools = await invoke(handlers, 'toolchain:status', undefined);
        if (o.json) return printJson(io, tools);
        table(io, ['TOOL', 'STATUS', 'VERSION', 'PURPOSE'], tools.map((t) => [t.name, t.found ? 'found' : `missing (apt: ${t.debianPackage ?? '?'})`, t.version, t.purpose]));
      });
    });
}
