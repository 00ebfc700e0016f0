/** A titled block of the cluster form, with a line saying why the block exists. */
import type { ReactNode } from 'react';

/** One section (General, Keycloak, Nodes …). */
export function FormSection({ title, description, children, actions }: { title: string; description?: ReactNode; children: ReactNode; actions?: ReactNode }) {
  return (
    <fieldset className="form-section">
      <legend className="sr-only">{title}</legend>
      <div className="form-section-head">
        <div>
          <h2 className="form-section-title">{title}</h2>
          {description && <p className="form-section-desc">{description}</p>}
        </div>
        {actions}
      </div>
      {children}
    </fieldset>
  );
}
