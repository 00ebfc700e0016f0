/**
 * `--freeze` and `--sessions` at the CLI: a typo is refused before any work, and `--freeze on`
 * for a cluster whose load balancer declares no freeze is refused before the
 * plan runs kc.sh, saying what to add; neither writes a run to the ledger.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KeyturnError } from '../../shared/errors.ts';
import { keyturnIn, ledgerDigest, tempDirs } from './cli-harness.ts';
import { sampleSpec } from './spec-factory.ts';
import { parseFreeze, parseSessions } from '../../electron/cli/plan-commands.ts';

const dirs = tempDirs('keyturn-freeze-');
let home: string;

beforeAll(async () => {
  home = dirs.make();
  const f = join(home, 'acme.yaml');
  writeFileSync(f, stringify(sampleSpec()));
  const added = await keyturnIn(home, ['cluster', 'add', '--file', f]);
  expect(added.exitCode, added.stderr).toBe(0);
});
afterAll(() => dirs.cleanup());

describe('--freeze', () => {
  it('takes on or off and names both when given anything else', () => {
    expect(parseFreeze('on')).toBe('on');
    expect(parseFreeze('off')).toBe('off');
    for (const bad of ['yes', 'ON', '']) {
      let err: unknown;
      try {
        parseFreeze(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KeyturnError);
      expect(err).toMatchObject({ code: 'invalid-input', message: `--freeze: '${bad}' is not on or off.`, hint: expect.stringMatching(/--freeze on .* --freeze off/) });
    }
  });

  it('--sessions takes keep, drop-online or drop-all (keep-all too) and refuses anything else before any work', async () => {
    expect(['keep', 'keep-all', 'drop-online', 'drop-all'].map(parseSessions)).toEqual(['keep-all', 'keep-all', 'drop-online', 'drop-all']);
    expect(() => parseSessions('drop')).toThrow(/--sessions: 'drop' is not a session policy\./);
    const typo = await keyturnIn(home, ['upgrade', '--cluster', 'acme-prod', '--to', '26.7.3', '--strategy', 'blue-green', '--sessions', 'none', '--yes']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/--sessions: 'none' is not a session policy/);
    const both = await keyturnIn(home, ['rollback', '--cluster', 'acme-prod', '--plan', '--sessions', 'keep', '--session-policy', 'keep-all']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toMatch(/--sessions and --session-policy say the same thing/);
  });

  it('plan and upgrade refuse a typo with exit 2, and --freeze on for a load balancer that cannot freeze, naming what to add; nothing is recorded', async () => {
    const before = ledgerDigest(home);
    const typo = await keyturnIn(home, ['plan', '--cluster', 'acme-prod', '--to', '26.7.3', '--freeze', 'maybe']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/--freeze: 'maybe' is not on or off\./);
    const up = await keyturnIn(home, ['upgrade', '--cluster', 'acme-prod', '--to', '26.7.3', '--strategy', 'blue-green', '--freeze', 'maybe', '--yes']);
    expect(up.exitCode).toBe(2);
    const cannot = await keyturnIn(home, ['plan', '--cluster', 'acme-prod', '--to', '26.7.3', '--freeze', 'on', '--json']);
    expect(cannot.exitCode).toBe(2);
    expect(cannot.stdout).toMatch(/--freeze on: cluster 'acme-prod' has no write freeze on its load balancer \(loadBalancer\.freeze\.aclFile\)/);
    expect(cannot.stdout).toMatch(/docs\/write-freeze\.md/);
    expect(ledgerDigest(home)).toEqual(before);
  });
});
