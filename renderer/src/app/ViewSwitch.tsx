/** Maps the navigation state to a screen. Keyed by view so each screen starts fresh. */
import { AboutView } from '../features/about/AboutView.tsx';
import { ClusterDetailView } from '../features/cluster/ClusterDetailView.tsx';
import { ClusterFormView } from '../features/cluster-form/ClusterFormView.tsx';
import { FleetView } from '../features/fleet/FleetView.tsx';
import { RunView } from '../features/runs/RunView.tsx';
import { RunsView } from '../features/runs/RunsView.tsx';
import { ToolchainView } from '../features/toolchain/ToolchainView.tsx';
import { UpgradeWizardView } from '../features/upgrade/UpgradeWizardView.tsx';
import { useNav } from './nav-store.ts';

/** Renders the current view. */
export function ViewSwitch() {
  const view = useNav((s) => s.view);
  switch (view.name) {
    case 'fleet':
      return <FleetView />;
    case 'cluster':
      return <ClusterDetailView key={view.cluster} name={view.cluster} />;
    case 'register':
      return <ClusterFormView key="register" mode={{ kind: 'register' }} />;
    case 'edit':
      return <ClusterFormView key={`edit:${view.cluster}`} mode={{ kind: 'edit', cluster: view.cluster }} />;
    case 'run':
      return <RunView key={view.runId} runId={view.runId} />;
    case 'runs':
      return <RunsView />;
    case 'upgrade':
      return <UpgradeWizardView key={`upgrade:${view.cluster}`} cluster={view.cluster} />;
    case 'toolchain':
      return <ToolchainView />;
    case 'about':
      return <AboutView />;
  }
}
