import { describe, expect, it } from 'vitest';
import { ageInDays, behindText, nextActions, versionLag, type NextActionFacts } from './next-action.ts';

const now = '2026-12-01T12:00:00.000Z';
const daysAgo = (n: number) => new Date(Date.parse(now) - n * 86_400_000).toISOString();
const published = ['26.5.6', '26.6.0', '26.7.0', '26.7.1', '26.7.3', '26.8.0-rc1', '25.0.6'];
const base: NextActionFacts = { version: '26.7.3', publishedVersions: published, lastBackup: { at: daysAgo(1), verified: true }, stoppedRun: null, standby: null, now };

describe('versionLag', () => {
  it('counts newer patches of the same minor and later minor streams, ignoring qualified versions', () => {
    expect(versionLag('26.7.0', published)).toEqual({ newestPatch: '26.7.3', patchesBehind: 2, newestMinor: null, minorsBehind: 0 });
    expect(versionLag('26.5.6', published)).toEqual({ newestPatch: null, patchesBehind: 0, newestMinor: '26.7.3', minorsBehind: 2 });
    expect(versionLag('26.7.3', [])).toEqual({ newestPatch: null, patchesBehind: 0, newestMinor: null, minorsBehind: 0 });
  });
  it('says how far behind, or nothing when no versions are known', () => {
    expect(behindText(versionLag('26.5.6', ['26.5.7', ...published]), true)).toBe('1 patch behind, 2 minors behind');
    expect(behindText(versionLag('26.7.3', published), true)).toBe('up to date');
    expect(behindText(versionLag('26.7.0', []), false)).toBeNull();
  });
});

describe('nextActions', () => {
  it('is empty for an up-to-date cluster with a fresh verified backup', () => {
    expect(nextActions(base)).toEqual([]);
  });

  it('offers a rolling patch on 26.6+ (what Keycloak says for a patch) and no strategy for a minor', () => {
    expect(nextActions({ ...base, version: '26.7.0' })).toEqual([{ kind: 'patch', severity: 'warning', text: 'patch 26.7.0 -> 26.7.3 available: rolling' }]);
    expect(nextActions({ ...base, version: '26.5.6' })).toEqual([{ kind: 'minor', severity: 'info', text: 'minor 26.5.6 -> 26.7.3 available: plan it to see the strategy' }]);
    expect(nextActions({ ...base, version: '25.0.6' }).map((a) => a.text)).toEqual(['major 25.0.6 -> 26.7.3 available: plan it to see the strategy']);
  });

  it('does not claim rolling for a patch where rolling-updates:v2 is not on by default (26.5)', () => {
    const texts = nextActions({ ...base, version: '26.5.4', publishedVersions: ['26.5.4', '26.5.6'] }).map((a) => a.text);
    expect(texts).toEqual(['patch 26.5.4 -> 26.5.6 available: plan it to see the strategy']);
  });

  it('says nothing about versions when none are known (air-gapped)', () => {
    expect(nextActions({ ...base, version: '26.0.0', publishedVersions: [] })).toEqual([]);
  });

  it('names a missing, stale and unverified backup', () => {
    expect(nextActions({ ...base, lastBackup: null })).toEqual([{ kind: 'no-backup', severity: 'warning', text: 'no backup yet' }]);
    expect(nextActions({ ...base, lastBackup: { at: daysAgo(8), verified: false } }).map((a) => a.text)).toEqual(['backup older than 7 days', 'last backup not verified']);
    expect(nextActions({ ...base, lastBackup: { at: daysAgo(6), verified: false } }).map((a) => a.kind)).toEqual(['backup-unverified']);
  });

  it('asks about a standby with its age in days', () => {
    expect(nextActions({ ...base, standby: { colour: 'blue', since: daysAgo(3.5) } })).toEqual([{ kind: 'standby', severity: 'info', text: 'standby blue running for 3 days: decommission?' }]);
    expect(nextActions({ ...base, standby: { colour: 'green', since: daysAgo(0.2) } })[0]!.text).toBe('standby green running for less than a day: decommission?');
  });

  it('puts a stopped run first, then the rest by severity', () => {
    const actions = nextActions({
      ...base,
      version: '26.7.0',
      lastBackup: null,
      standby: { colour: 'green', since: daysAgo(1) },
      stoppedRun: { id: '0123456789abcdef', status: 'interrupted', step: 'Upgrade node n2' },
    });
    expect(actions.map((a) => a.text)).toEqual([
      'run 01234567 interrupted at Upgrade node n2: resume or roll back',
      'patch 26.7.0 -> 26.7.3 available: rolling',
      'no backup yet',
      'standby green running for 1 day: decommission?',
    ]);
    expect(actions.map((a) => a.severity)).toEqual(['critical', 'warning', 'warning', 'info']);
    expect(nextActions({ ...base, stoppedRun: { id: 'abcdef0123456789', status: 'paused', step: null } })[0]!.text).toBe('run abcdef01 paused: resume or roll back');
  });

  it('counts whole days and never a negative age', () => {
    expect(ageInDays(daysAgo(7), now)).toBe(7);
    expect(ageInDays(daysAgo(-1), now)).toBe(0);
  });
});
