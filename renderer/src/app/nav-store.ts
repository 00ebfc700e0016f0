/**
 * Which screen is showing. UI-only state, so it lives in zustand rather than
 * react-query; there is no router because the Electron app has no address
 * bar and the browser-mode URL carries the access token, not a route.
 *
 * The current view is remembered in sessionStorage and restored only when
 * the page is *reloaded* (F5, a renderer restart): a reload in the middle of
 * an upgrade must land back on the upgrade, while opening the console's URL
 * afresh starts at the fleet.
 */
import { create } from 'zustand';

/** Every screen of the console and what it needs to render. */
export type View =
  | { name: 'fleet' }
  | { name: 'cluster'; cluster: string }
  | { name: 'register' }
  | { name: 'edit'; cluster: string }
  | { name: 'run'; runId: string }
  | { name: 'upgrade'; cluster: string }
  | { name: 'runs' }
  | { name: 'toolchain' }
  | { name: 'about' };

/** Top-level sections in the left nav; every view belongs to one. */
export type Section = 'fleet' | 'runs' | 'toolchain' | 'about';

interface NavState {
  view: View;
  /** Where "Back" goes: the views that led here, newest last, bounded. */
  history: View[];
  navigate: (view: View) => void;
  /** Shows `view` without remembering the current one (after a form is saved, "Back" must not reopen it). */
  replace: (view: View) => void;
  back: (fallback?: View) => void;
}

const HISTORY_LIMIT = 50;
const VIEW_KEY = 'keyturn.view';

/** True when this page load is a reload of the same tab (not a fresh visit). */
function isReload(): boolean {
  try {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    return nav?.type === 'reload';
  } catch {
    return false;
  }
}

function initialView(): View {
  try {
    const saved = isReload() ? sessionStorage.getItem(VIEW_KEY) : null;
    const view = saved ? (JSON.parse(saved) as View) : null;
    if (view && typeof view === 'object' && typeof view.name === 'string') return view;
  } catch {
    // A corrupt or unavailable sessionStorage only costs the restore.
  }
  return { name: 'fleet' };
}

/** The navigation store. `navigate` pushes, `replace` doesn't, `back` pops (or goes to `fallback`). */
export const useNav = create<NavState>((set) => ({
  view: initialView(),
  history: [],
  navigate: (view) =>
    set((s) => ({ view, history: [...s.history, s.view].slice(-HISTORY_LIMIT) })),
  replace: (view) => set({ view }),
  back: (fallback = { name: 'fleet' }) =>
    set((s) => {
      const previous = s.history[s.history.length - 1];
      return previous ? { view: previous, history: s.history.slice(0, -1) } : { view: fallback };
    }),
}));

/** The nav section a view is highlighted under. */
export function sectionOf(view: View): Section {
  switch (view.name) {
    case 'fleet':
    case 'cluster':
    case 'register':
    case 'edit':
    case 'upgrade':
      return 'fleet';
    case 'run':
    case 'runs':
      return 'runs';
    case 'toolchain':
      return 'toolchain';
    case 'about':
      return 'about';
  }
}

useNav.subscribe((s, prev) => {
  if (s.view === prev.view) return;
  try {
    sessionStorage.setItem(VIEW_KEY, JSON.stringify(s.view));
  } catch {
    // Not remembering the view is harmless.
  }
});
