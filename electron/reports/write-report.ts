/**
 * A run report in one of its formats, and written to a file whole or not at
 * all: a half-written PDF handed to a change board is worse than none, and an
 * existing file is never replaced unless the operator says so.
 */
import { linkSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { reportFormatSchema, type ReportFormat, type RunReport } from '../../shared/contract/report.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { renderReportHtml } from './report-html.ts';
import { renderReportPdf } from './report-pdf.ts';

/** Checks a `--format` value, naming the allowed ones. */
export function parseReportFormat(value: string): ReportFormat {
  const parsed = reportFormatSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new KeyturnError('invalid-input', `--format: '${value}' is not a report format; the formats are ${reportFormatSchema.options.join(', ')}.`, 'Use --format html (one file that opens offline), pdf (for a change board) or json (for scripts; see docs/run-report.md).');
}

/** The report rendered in `format`. */
export async function renderReport(report: RunReport, format: ReportFormat): Promise<Buffer> {
  if (format === 'json') return Buffer.from(`${JSON.stringify(report, null, 2)}\n`);
  if (format === 'html') return Buffer.from(renderReportHtml(report));
  return renderReportPdf(report);
}

/**
 * Writes `bytes` to `path`: into a temporary file beside it first, then moved
 * into place. Without `force`, the move is a hard link, which fails when the
 * target exists (no window in which another writer's file is replaced).
 */
export function writeReportFile(path: string, bytes: Buffer, force: boolean): void {
  let tmpDir: string;
  try {
    tmpDir = mkdtempSync(join(dirname(path), `.${basename(path)}.tmp-`));
  } catch (err) {
    throw new KeyturnError('invalid-input', `Cannot write the report to ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`, 'Pass --out a file path in an existing, writable directory.');
  }
  const tmp = join(tmpDir, 'report');
  try {
    writeFileSync(tmp, bytes, { mode: 0o600 });
    if (force) renameSync(tmp, path);
    else linkSync(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'EEXIST') throw new KeyturnError('conflict', `${path} exists; the report was not written.`, 'Pass another --out, or add --force to replace the file.');
    throw new KeyturnError('invalid-input', `Cannot write the report to ${path} (${code}: ${(err as Error).message}).`, 'Pass --out a file path in an existing, writable directory (not a directory itself).');
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}
