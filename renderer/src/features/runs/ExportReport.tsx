/**
 * "Export report" in the run view: the change board's evidence (docs/run-report.md)
 * as HTML, PDF or JSON, built by main from the ledger with the cluster's
 * secrets masked (`reports:export`, the same report `keyturn report` writes),
 * saved through the browser's download.
 */
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { ReportFormat } from '../../../../shared/contract/index.ts';
import { api, unwrap } from '../../api/client.ts';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { saveReport } from './save-report.ts';

const formats: { value: ReportFormat; label: string }[] = [
  { value: 'html', label: 'HTML' },
  { value: 'pdf', label: 'PDF' },
  { value: 'json', label: 'JSON' },
];

/** Asks main for the report of `runId` and saves it when it arrives. */
export function useExportReport(runId: string) {
  return useMutation({
    mutationFn: async (format: ReportFormat) => {
      const report = await unwrap(api().reports.export({ runId, format }));
      saveReport(report);
      return report;
    },
  });
}

type Exporter = ReturnType<typeof useExportReport>;

/** The format choice and the button, for the run view's header. */
export function ExportReportControls({ exporter }: { exporter: Exporter }) {
  const [format, setFormat] = useState<ReportFormat>('html');
  return (
    <span className="inline-gap" data-testid="export-report">
      <select
        className="input input-small"
        aria-label="Report format"
        title="The report's format: HTML opens offline in any browser, PDF is for a change board, JSON is for scripts"
        data-testid="export-report-format"
        value={format}
        onChange={(e) => setFormat(e.target.value as ReportFormat)}
        disabled={exporter.isPending}
      >
        {formats.map((f) => (
          <option key={f.value} value={f.value}>
            {f.label}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="btn"
        data-testid="export-report-button"
        title="Download this run's report (the change, the decision, the backup, the steps, what users saw, the way back) as a file; secrets are masked"
        onClick={() => exporter.mutate(format)}
        disabled={exporter.isPending}
      >
        {exporter.isPending ? 'Exporting…' : 'Export report'}
      </button>
    </span>
  );
}

/** The failed export, with its typed message and hint, like every other failure in the console. */
export function ExportReportError({ exporter }: { exporter: Exporter }) {
  if (!exporter.isError) return null;
  return <ErrorPanel error={exporter.error} title="The report was not exported" testId="export-report-error" />;
}
