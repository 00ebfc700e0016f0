/**
 * Saves an exported report through the browser's own download: a Blob behind
 * a temporary `<a download>`. The same path works in browser mode and in
 * Electron, and the renderer never needs file system access.
 */
import type { ExportedReport } from '../../../../shared/contract/index.ts';

/** The report's bytes: the PDF arrives as base64 (the reply is JSON), HTML and JSON as text. */
export function reportBlob(report: ExportedReport): Blob {
  if (report.encoding === 'utf8') return new Blob([report.content], { type: `${report.mimeType};charset=utf-8` });
  const raw = atob(report.content);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new Blob([bytes], { type: report.mimeType });
}

/** Starts the download of `report` under its suggested file name. */
export function saveReport(report: ExportedReport): void {
  const url = URL.createObjectURL(reportBlob(report));
  const a = document.createElement('a');
  a.href = url;
  a.download = report.fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has taken the URL by the time the click returns; keep it a moment for slow engines, then free the Blob.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
