/**
 * The summary above the form after a failed save: the server's message and
 * hint, how many fields are marked, and any issue that has no field of its
 * own (listed with its path so it is never silently dropped).
 */
import { errorInfo } from '../../lib/error-info.ts';
import { describePath, type Issue } from './field-errors.ts';

interface FormErrorBannerProps {
  error: unknown;
  unplaced: readonly Issue[];
  fieldCount: number;
}

/** `data-testid="form-error"`. */
export function FormErrorBanner({ error, unplaced, fieldCount }: FormErrorBannerProps) {
  const info = errorInfo(error);
  return (
    <div className="banner banner-error" role="alert" data-testid="form-error">
      <div className="banner-body">
        <div className="banner-message">{info.message}</div>
        {info.hint && <div className="banner-hint">{info.hint}</div>}
        {info.code === 'invalid-input' && fieldCount > 0 && (
          <div className="banner-hint">
            {fieldCount} field{fieldCount === 1 ? ' is' : 's are'} marked below.
          </div>
        )}
        {unplaced.length > 0 && (
          <ul className="banner-list">
            {unplaced.map((issue, i) => (
              <li key={i}>
                <span className="mono">{describePath(issue.path)}</span>: {issue.message}
              </li>
            ))}
          </ul>
        )}
        <div className="banner-code mono">{info.code}</div>
      </div>
    </div>
  );
}
