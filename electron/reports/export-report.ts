/**
 * A run report packed for the console: rendered in the chosen format with the
 * cluster's secrets masked exactly as `keyturn report` masks them, named for a
 * Downloads folder, and bounded in size, so the renderer only has to wrap it
 * in a Blob and save it (no file system access in the renderer, none needed).
 */
import { exportedReportSchema, maxExportedReportBytes, type ExportedReport, type ReportFormat, type RunReport } from '../../shared/contract/report.ts';
import { KeyturnError } from '../../shared/errors.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { clusterSecrets, type SecretReader } from './cluster-secrets.ts';
import { buildRunReport } from './run-report.ts';
import { renderReport } from './write-report.ts';

const mimeTypes = { html: 'text/html', pdf: 'application/pdf', json: 'application/json' } as const;

/**
 * `keyturn-<cluster>-<run id, 8 chars>-<yyyy-mm-dd>.<ext>`, the date being the
 * day (UTC) the run started: two exports of one run get one name, so a browser
 * numbers the second copy instead of the operator guessing which is which.
 */
export function reportFileName(report: RunReport, format: ReportFormat): string {
  const cluster = (report.change.cluster ?? 'no-cluster').toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  const day = (report.run.startedAt ?? report.run.createdAt).slice(0, 10);
  return `keyturn-${cluster}-${report.run.id.slice(0, 8)}-${day}.${format}`;
}

/** The report of `runId` in `format`, ready to save; an unknown run is `not-found`. `read` resolves the cluster's secret references. */
export async function exportRunReport(db: Ledger, runId: string, format: ReportFormat, read: SecretReader): Promise<ExportedReport> {
  const report = buildRunReport(db, runId, { secrets: await clusterSecrets(db, runId, read) });
  const bytes = await renderReport(report, format);
  if (bytes.length > maxExportedReportBytes) {
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    throw new KeyturnError('invalid-input', `The ${format} report of run ${runId} is ${mib(bytes.length)}, more than the ${mib(maxExportedReportBytes)} the console hands over in one piece; nothing was saved.`, `Write it with the CLI, which has no such limit: keyturn report ${runId} --format ${format} --out ${reportFileName(report, format)}`);
  }
  const binary = format === 'pdf';
  // Checked against the contract here: dispatch validates inputs, and this is what leaves main.
  return exportedReportSchema.parse({
    runId: report.run.id,
    format,
    fileName: reportFileName(report, format),
    mimeType: mimeTypes[format],
    encoding: binary ? 'base64' : 'utf8',
    content: bytes.toString(binary ? 'base64' : 'utf8'),
    bytes: bytes.length,
    inProgress: report.inProgress,
  });
}
