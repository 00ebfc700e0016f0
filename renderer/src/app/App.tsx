/** The console frame: left nav, top bar with the mode, and the current view. */
import { useEffect, useRef } from 'react';
import { useNav } from './nav-store.ts';
import { Nav } from './Nav.tsx';
import { TopBar } from './TopBar.tsx';
import { ViewSwitch } from './ViewSwitch.tsx';

/** Root component. */
export function App() {
  const view = useNav((s) => s.view);
  const content = useRef<HTMLElement>(null);
  // A new screen starts at its top, not at the previous screen's scroll offset.
  useEffect(() => {
    content.current?.scrollTo({ top: 0 });
  }, [view]);
  return (
    <div className="shell">
      <TopBar />
      <Nav />
      <main className="content" ref={content}>
        <ViewSwitch />
      </main>
    </div>
  );
}
