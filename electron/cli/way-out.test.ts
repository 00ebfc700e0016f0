import { describe, expect, it } from 'vitest';
import { wayOut } from './upgrade-commands.ts';

const steps = (...pairs: [string, string][]) => pairs.map(([kind, status]) => ({ kind, status }));

describe('the way out printed after a failed run', () => {
  it('says clients are turned away when the run entered a maintenance it never ended, and names the rollback plan', () => {
    const text = wayOut('upgrade', steps(['lb.maintenance', 'succeeded'], ['cluster.stop', 'succeeded'], ['node.install', 'failed'], ['lb.end-maintenance', 'pending']), 'prod', 'r-1');
    expect(text).toMatch(/still in maintenance: every client gets 503/);
    expect(text).toContain('keyturn rollback --cluster prod --plan');
  });

  it('says nothing of maintenance when the run never entered one, or ended it', () => {
    expect(wayOut('upgrade', steps(['node.drain', 'succeeded'], ['node.install', 'failed']), 'prod', 'r-1')).not.toMatch(/maintenance/);
    expect(wayOut('upgrade', steps(['lb.maintenance', 'succeeded'], ['lb.end-maintenance', 'succeeded'], ['node.install', 'failed']), 'prod', 'r-1')).not.toMatch(/maintenance/);
  });

  it('does not send a failed rollback to another rollback plan', () => {
    const text = wayOut('rollback', steps(['lb.maintenance', 'succeeded'], ['db.restore', 'failed']), 'prod', 'r-1');
    expect(text).not.toContain('--plan');
    expect(text).toContain('keyturn runs show r-1');
  });
});
