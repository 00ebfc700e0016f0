/**
 * Which screen is showing. UI-only state, so it lives in zustand rather than
 * react-query; there is no router because the Electron app has no address
 * bar and the browser-mode URL carries the access token, not a route.
 */
import { create } from 'zustand';

/** Every screen of the console and what it needs to render. */
export type View =
  | { name: 'fleet' }
  | { name: 'cluster'; cluster: string }
  | { name: 'register' }
  | { name: 'edit'; cluster: string }
  | { name: 'run'; runId: string }
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

/** The navigation store. `navigate` pushes, `replace` doesn't, `back` pops (or goes to `fallback`). */
export const useNav = create<NavState>((set) => ({
  view: { name: 'fleet' },
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
