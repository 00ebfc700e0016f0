import { describe, expect, it } from 'vitest';
import { classifyChange, compareVersions, parseVersion, rollingPossibleInPrinciple } from './versions.ts';

describe('parseVersion', () => {
  it('reads releases and qualified versions', () => {
    expect(parseVersion('26.7.3')).toEqual({ major: 26, minor: 7, patch: 3, qualifier: null });
    expect(parseVersion('26.10.0-rc1')).toEqual({ major: 26, minor: 10, patch: 0, qualifier: 'rc1' });
  });
  it.each(['26.7', '26.7.3.1', 'v26.7.3', '', '26.x.0', '26.7.3-'])('refuses %j', (v) => {
    expect(parseVersion(v)).toBeNull();
  });
});

describe('compareVersions', () => {
  it('orders numerically, not as text', () => {
    expect(compareVersions('26.10.0', '26.9.1')).toBe(1);
    expect(compareVersions('26.7.0', '26.7.3')).toBe(-1);
    expect(compareVersions('27.0.0', '26.99.99')).toBe(1);
    expect(compareVersions('26.7.3', '26.7.3')).toBe(0);
  });
  it('puts a qualified version before its release', () => {
    expect(compareVersions('26.7.0-rc1', '26.7.0')).toBe(-1);
    expect(compareVersions('26.7.0', '26.7.0-rc1')).toBe(1);
    expect(compareVersions('26.7.0-rc1', '26.7.0-rc2')).toBe(-1);
  });
  it('throws on something that is not a version', () => {
    expect(() => compareVersions('latest', '26.7.0')).toThrow(/not a Keycloak version/);
  });
});

describe('classifyChange', () => {
  const cases: [string, string, string, string, string][] = [
    ['26.7.0', '26.7.0', 'same', 'none', 'same version 26.7.0'],
    ['26.7.0', '26.7.3', 'patch', 'up', 'patch upgrade 26.7.0 -> 26.7.3'],
    ['26.7.3', '26.7.0', 'patch', 'down', 'patch downgrade 26.7.3 -> 26.7.0'],
    ['26.5.6', '26.7.0', 'minor', 'up', 'minor upgrade 26.5.6 -> 26.7.0'],
    ['26.7.3', '26.5.6', 'minor', 'down', 'minor downgrade 26.7.3 -> 26.5.6'],
    ['25.0.6', '26.7.3', 'major', 'up', 'major upgrade 25.0.6 -> 26.7.3'],
    ['26.9.0', '26.10.0', 'minor', 'up', 'minor upgrade 26.9.0 -> 26.10.0'],
    ['26.7.0-rc1', '26.7.0', 'patch', 'up', 'patch upgrade 26.7.0-rc1 -> 26.7.0'],
  ];
  it.each(cases)('%s -> %s is a %s change going %s', (from, to, kind, direction, label) => {
    expect(classifyChange(from, to)).toEqual({ from, to, kind, direction, label });
  });
});

describe('rollingPossibleInPrinciple', () => {
  it('allows the same version and patch upgrades from 26.6 on', () => {
    expect(rollingPossibleInPrinciple(classifyChange('26.7.0', '26.7.0'))).toBe(true);
    expect(rollingPossibleInPrinciple(classifyChange('26.7.0', '26.7.3'))).toBe(true);
    expect(rollingPossibleInPrinciple(classifyChange('26.6.0', '26.6.1'))).toBe(true);
  });
  it('refuses patch upgrades before 26.6, downgrades and minor or major changes', () => {
    expect(rollingPossibleInPrinciple(classifyChange('26.5.5', '26.5.6'))).toBe(false);
    expect(rollingPossibleInPrinciple(classifyChange('26.7.3', '26.7.0'))).toBe(false);
    expect(rollingPossibleInPrinciple(classifyChange('26.5.6', '26.7.0'))).toBe(false);
    expect(rollingPossibleInPrinciple(classifyChange('25.0.6', '26.0.0'))).toBe(false);
  });
});
