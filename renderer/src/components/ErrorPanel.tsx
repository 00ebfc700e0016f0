/**
 * How every failure is shown: what is wrong, how to fix it, the error code for
 * searching the docs, and (for reads) a Retry. One component so a 3 a.m.
 * operator learns one pattern.
 */
import { errorInfo } from '../lib/error-info.ts';

interface ErrorPanelProps {
  error: unknown;
  /** Shown above the message, e.g. "Could not load the fleet". */
  title?: string;
  onRetry?: () => void;
  retrying?: boolean;
  testId?: string;
}

/** A failed read or action, with its hint and an optional Retry. */
export function ErrorPanel({ error, title, onRetry, retrying, testId }: ErrorPanelProps) {
  const info = errorInfo(error);
  return (
    <div className="banner banner-error" role="alert" data-testid={testId}>
      <div className="banner-body">
        {title && <div className="banner-title">{title}</div>}
        <div className="banner-message">{info.message}</div>
        {info.hint && <div className="banner-hint">{info.hint}</div>}
        <div className="banner-code mono">{info.code}</div>
      </div>
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry} disabled={retrying}>
          {retrying ? 'Retrying…' : 'Retry'}
        </button>
      )}
    </div>
  );
}

/** A query's error state: the panel wired to the query's refetch. */
export function QueryError({ query, title }: { query: { error: unknown; refetch: () => unknown; isFetching: boolean }; title: string }) {
  return <ErrorPanel error={query.error} title={title} onRetry={() => void query.refetch()} retrying={query.isFetching} />;
}
