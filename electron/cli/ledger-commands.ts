/** `keyturn ledger export|import` and `keyturn runs list|show` (the list names each run's `keyturn report` command). */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KeyturnError } from '../../shared/errors.ts';
import { exportLedger, importLedger } from '../ledger/export-import.ts';
import { invoke } from '../registry/dispatch.ts';
import { parseUserJson, readUserTextFile } from '../services/user-file.ts';
import type { CliContext } from './context.ts';
import { printJson, table } from './output.ts';

/** Under V8's longest string (2^29 characters), so a big export is refused by size, never by a crash. */
const maxImportBytes = 256 * 1024 * 1024;
/** An export nests 4 levels (document, tables, rows, row); anything far deeper is not one. */
const maxImportDepth = 16;
const importHint = 'Use a file written by `keyturn ledger export`. Nothing was imported.';

/** The command that writes a run's report (HTML on stdout; add --format pdf|json, --out F). */
const reportCommandFor = (runId: string): string => `keyturn report ${runId}`;

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
          try {
            writeFileSync(tmp, doc, { mode: 0o600 });
            renameSync(tmp, o.out);
          } catch (err) {
            rmSync(tmp, { force: true });
            const e = err as NodeJS.ErrnoException;
            throw new KeyturnError('invalid-input', `Cannot write the export to ${o.out} (${e.code ?? 'error'}: ${e.message}).`, 'Pass --out a file path in an existing, writable directory (not a directory itself).');
          }
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
        // Parse before anything touches the ledger: a bad file changes nothing.
        const raw = parseUserJson(readUserTextFile(file, { what: 'Ledger export', maxBytes: maxImportBytes, hint: importHint }), file, { what: 'Ledger export', hint: importHint, maxDepth: maxImportDepth });
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
        // Each run says how to get its report (issue 14); JSON gains `reportCommand`, every existing field unchanged.
        const list = (await invoke(handlers, 'runs:list', o.cluster ? { cluster: o.cluster } : undefined)).map((r) => ({ ...r, reportCommand: reportCommandFor(r.id) }));
        if (o.json) return printJson(io, list);
        table(io, ['ID', 'CLUSTER', 'KIND', 'STATUS', 'FROM', 'TO', 'CREATED', 'REPORT'], list.map((r) => [r.id, r.clusterName, r.kind, r.status, r.fromVersion, r.toVersion, r.createdAt, r.reportCommand]));
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
