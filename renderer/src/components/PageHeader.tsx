/** The title row of every view: what you are looking at, and the actions on it. */
import type { ReactNode } from 'react';

interface PageHeaderProps {
  title: ReactNode;
  subtitle?: ReactNode;
  actions?: ReactNode;
  /** Breadcrumb-like link back, e.g. "Fleet". */
  back?: { label: string; onClick: () => void };
}

/** Title, optional subtitle, right-aligned actions. */
export function PageHeader({ title, subtitle, actions, back }: PageHeaderProps) {
  return (
    <header className="page-header">
      <div className="page-header-text">
        {back && (
          <button type="button" className="link-back" onClick={back.onClick}>
            ← {back.label}
          </button>
        )}
        <h1 className="page-title">{title}</h1>
        {subtitle && <div className="page-subtitle">{subtitle}</div>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}
