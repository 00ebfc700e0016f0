/** Left navigation: the four sections. Highlights the section of the current view. */
import { Icon } from '../components/Icon.tsx';
import { sectionOf, useNav, type Section } from './nav-store.ts';

const sections: { id: Section; label: string }[] = [
  { id: 'fleet', label: 'Fleet' },
  { id: 'runs', label: 'Runs' },
  { id: 'toolchain', label: 'Toolchain' },
  { id: 'about', label: 'About' },
];

/** The section list. */
export function Nav() {
  const view = useNav((s) => s.view);
  const navigate = useNav((s) => s.navigate);
  const current = sectionOf(view);
  return (
    <nav className="nav" aria-label="Sections">
      {sections.map((s) => (
        <button
          key={s.id}
          type="button"
          className={`nav-item${current === s.id ? ' nav-item-active' : ''}`}
          aria-current={current === s.id ? 'page' : undefined}
          data-testid={`nav-${s.id}`}
          onClick={() => navigate({ name: s.id })}
        >
          <Icon name={s.id} />
          {s.label}
        </button>
      ))}
    </nav>
  );
}
