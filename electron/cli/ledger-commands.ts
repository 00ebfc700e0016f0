/** `keyturn ledger export|import` and `keyturn runs list|show`. */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KeyturnError } from '../../shared/errors.ts';
import { exportLedger, importLedger } from '../ledger/export-import.ts';
import { invoke } from '../registry/dispatch.ts';
import type { CliContext } from './context.ts';
import { printJson, table } from './output.ts';

const maxImportBytes = 512 * 1024 * 1024;

export function registerLedgerCommands(program: Command, ctx: CliContext): void {
  const ledger = program.command('ledger').description('export or import the whole ledger');

  ledger
    .command('export')
    .description('write the ledger as JSON (stdout, or --out file)')
    .option('-o, --out <path>', 'file to write (written whole or not at all)')
    .action(async (o: { out?: string }) => {
      await ctx.run(false, async ({ services, io }) => {
        const doc = JSON.stringify(exportLedger(services.db), null, 2);
        if (o.out) {
          const tmp = `${o.out}.tmp-${process.pid}`;
          writeFileSync(tmp, doc, { mode: 0o600 });
          const { renameSync } = await import('node:fs');
          renameSync(tmp, o.out);
          io.err(`Exported the ledger to ${o.out}\n`);
        } else io.out(`${doc}\n`);
      });
    });

  ledger
    .command('import')
    .description('import a ledger export; all or nothing')
    .argument('<file>')
    .option('--skip-existing', 'keep clusters that already exist here instead of refusing')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { skipExisting?: boolean; json?: boolean }) => {
      await ctx.run(o.json, async ({ services, io }) => {
        let raw: unknown;
        try {
          if (statSync(file).size > maxImportBytes) throw new KeyturnError('invalid-input', `${file} is larger than ${maxImportBytes} bytes.`, 'Check that this is a Keyturn ledger export.');
          raw = JSON.parse(readFileSync(file, 'utf8'));
        } catch (err) {
          if (err instanceof KeyturnError) throw err;
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') throw new KeyturnError('not-found', `${file} does not exist.`, 'Check the path of the export file.');
          throw new KeyturnError('invalid-input', `${file} is not valid JSON: ${(err as Error).message}`, 'Use a file written by `keyturn ledger export`. Nothing was imported.');
        }
        const r = importLedger(services.db, raw, { skipExisting: o.skipExisting ?? false });
        if (o.json) printJson(io, r);
        else io.out(`Imported ${r.clusters} cluster(s), ${r.runs} run(s), ${r.events} event(s).${r.skipped.length ? ` Kept existing: ${r.skipped.join(', ')}.` : ''}\n`);
      });
    });

  const runs = program.command('runs').description('run history');
  runs
    .command('list')
    .option('--cluster <name>', 'only this cluster')
    .option('--json', 'print JSON')
    .action(async (o: { cluster?: string; json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        const list = await invoke(handlers, 'runs:list', o.cluster ? { cluster: o.cluster } : undefined);
        if (o.json) return printJson(io, list);
        table(io, ['ID', 'CLUSTER', 'KIND', 'STATUS', 'FROM', 'TO', 'CREATED'], list.map((r) => [r.id, r.clusterName, r.kind, r.status, r.fromVersion, r.toVersion, r.createdAt]));
      });
    });
  runs
    .command('show')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        const r = await invoke(handlers, 'runs:get', { id });
        if (o.json) return printJson(io, r);
        io.out(`${r.run.kind} ${r.run.status}${r.run.error ? `: ${r.run.error.message}` : ''}\n`);
        table(io, ['#', 'STEP', 'NODE', 'STATUS'], r.steps.map((s) => [s.seq, s.title, s.node, s.status]));
      });
    });
}
