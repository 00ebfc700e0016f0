/**
 * `keyturn report RUN [--format html|pdf|json] [--out F] [--force]`: the run
 * report a change board gets (docs/run-report.md). Built from the ledger
 * alone; the cluster's secrets, where this process can read them, are masked
 * on top of the redaction every ledger write already did.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { idSchema } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { clusterSecrets } from '../reports/cluster-secrets.ts';
import { buildRunReport } from '../reports/run-report.ts';
import { parseReportFormat, renderReport, writeReportFile } from '../reports/write-report.ts';
import { resolveSecretRef } from '../services/secret-refs.ts';
import type { CliContext } from './context.ts';

export function registerReportCommand(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description('the report of a run for a change board: what was planned and why, the backup, the steps, what users saw, the way back')
    .argument('<run>', 'run id (keyturn runs list)')
    .option('--format <format>', 'html, pdf or json', 'html')
    .option('-o, --out <file>', 'file to write (default: stdout for html and json; pdf needs --out)')
    .option('--force', 'replace --out if it exists')
    .action(async (runId: string, o: { format: string; out?: string; force?: boolean }) => {
      await ctx.run(o.format === 'json', async ({ services, io }) => {
        const format = parseReportFormat(o.format);
        if (!idSchema.safeParse(runId).success) {
          throw new KeyturnError('invalid-input', `'${runId}' is not a run id (run ids look like 0f8fad5b-d9cb-469f-a165-70867728950e).`, 'Pick a run from `keyturn runs list`.');
        }
        if (format === 'pdf' && !o.out) throw new KeyturnError('invalid-input', 'A PDF report needs --out: it is not written to a terminal.', `Add --out report-${runId.slice(0, 8)}.pdf.`);
        // Refused before any work (a PDF takes a browser start); the write itself refuses again if the file appears meanwhile.
        if (o.out && !o.force && existsSync(o.out)) throw new KeyturnError('conflict', `${o.out} exists; the report was not written.`, 'Pass another --out, or add --force to replace the file.');
        const report = buildRunReport(services.db, runId, { secrets: await clusterSecrets(services.db, runId, (ref, what) => resolveSecretRef(ref, what)) });
        const bytes = await renderReport(report, format);
        if (!o.out) return io.out(bytes.toString('utf8'));
        writeReportFile(o.out, bytes, o.force ?? false);
        io.err(`Wrote the ${format} report of run ${runId}${report.inProgress ? ' (in progress)' : ''} to ${o.out}\n`);
      });
    });
}
