/**
 * The canary option of the Strategy step: pause after the first node so the
 * operator can look at it before the rest follow. It only means something
 * for a rolling upgrade (one node on the new version while the others still
 * serve the old); for any other strategy it is off and says why, rather than
 * quietly doing nothing.
 */
import type { Strategy } from '../../../../shared/contract/index.ts';

/** Why the canary cannot apply to `strategy` on `nodeCount` nodes, or null when it can. */
export function canaryBlockedWhy(strategy: Pick<Strategy, 'name'> | null, nodeCount: number): string | null {
  if (strategy?.name === 'recreate') return 'Rolling only: a recreate stops every node together, so there is no upgraded node to look at while the others still serve.';
  if (strategy && strategy.name !== 'rolling') return `Rolling only: ${strategy.name} does not upgrade one node at a time.`;
  if (nodeCount < 2) return 'Needs at least two nodes.';
  return null;
}

/** The checkbox, disabled (and unchecked) with its reason when it does not apply. */
export function CanaryToggle({ strategy, nodeCount, checked, onChange }: { strategy: Strategy | null; nodeCount: number; checked: boolean; onChange: (on: boolean) => void }) {
  const blocked = canaryBlockedWhy(strategy, nodeCount);
  return (
    <label className="checkbox canary" data-testid="canary" data-applies={blocked === null}>
      <input type="checkbox" data-testid="canary-toggle" checked={blocked === null && checked} disabled={blocked !== null} onChange={(e) => onChange(e.target.checked)} />
      <span>
        <span className="strong">Canary: pause after the first node</span>
        <span className="muted small block" data-testid="canary-explain">
          {blocked ?? 'The run stops once the first node is upgraded and back in the load balancer; look at it, then Resume or Rollback.'}
        </span>
      </span>
    </label>
  );
}
