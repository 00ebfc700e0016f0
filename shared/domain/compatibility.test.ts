import { describe, expect, it } from 'vitest';
import { describeExitCode, explain, parseIncompatibilities, verdictFor, versionReason } from './compatibility.ts';
import { classifyChange } from './versions.ts';

// Verbatim output of Keycloak 26.7.0's `update-compatibility check` (stderr), captured on this machine.
const minorBumpOutput = `Aggregated incompatible results:
Optional[[cacheEmbedded] Rolling Update is not available. 'cacheEmbedded.loginFailuresOwners' is incompatible: null -> 2.]
Optional[[cacheEmbedded] Rolling Update is not available. 'cacheEmbedded.version' is incompatible: 15.0.19.Final -> 16.0.]
Optional[[cacheEmbedded] Rolling Update is not available. 'cacheEmbedded.jgroupsVersion' is incompatible: 5.3.16 -> 5.5.]
`;
const downgradeOutput = `[cacheEmbedded] Provider is compatible.
[feature-compatibility] Provider is compatible.
[keycloak] Rolling Update is not available. 'keycloak.version' is incompatible: 26.7.3 -> 26.7.0.`;
const cacheStackOutput = `WARNING: The following used options or option values are DEPRECATED and will be removed or their behaviour changed in a future release:
\t- cache-stack=tcp: Use 'jdbc-ping' instead by leaving it unset.
[cacheEmbedded] Rolling Update is not available. 'cacheEmbedded.stack' is incompatible: jdbc-ping -> tcp.`;
const okOutput = '[keycloak] Provider is compatible.\n[OK] Rolling Update is available.';

describe('verdictFor', () => {
  it('maps only the documented answers to verdicts; everything else is an error', () => {
    expect(verdictFor(0)).toBe('rolling');
    expect(verdictFor(3)).toBe('recreate');
    expect(verdictFor(4)).toBe('rolling-disabled');
    for (const code of [1, 2, 5, 127, 137, -1]) expect(verdictFor(code)).toBe('error');
  });
  it('describes codes in the guide\'s words', () => {
    expect(describeExitCode(2)).toMatch(/invalid option/);
    expect(describeExitCode(1)).toMatch(/missing or corrupted/);
    expect(describeExitCode(42)).toMatch(/unexpected exit code 42/);
  });
});

describe('parseIncompatibilities', () => {
  it('reads plain and aggregated statements', () => {
    expect(parseIncompatibilities(downgradeOutput)).toEqual([{ provider: 'keycloak', attribute: 'keycloak.version', from: '26.7.3', to: '26.7.0' }]);
    expect(parseIncompatibilities(minorBumpOutput)).toEqual([
      { provider: 'cacheEmbedded', attribute: 'cacheEmbedded.loginFailuresOwners', from: 'null', to: '2' },
      { provider: 'cacheEmbedded', attribute: 'cacheEmbedded.version', from: '15.0.19.Final', to: '16.0' },
      { provider: 'cacheEmbedded', attribute: 'cacheEmbedded.jgroupsVersion', from: '5.3.16', to: '5.5' },
    ]);
  });
  it('keeps values with dots and drops duplicates', () => {
    const twice = `${cacheStackOutput}\n${cacheStackOutput}`;
    expect(parseIncompatibilities(twice)).toEqual([{ provider: 'cacheEmbedded', attribute: 'cacheEmbedded.stack', from: 'jdbc-ping', to: 'tcp' }]);
  });
  it('finds nothing in a positive answer or an error', () => {
    expect(parseIncompatibilities(okOutput)).toEqual([]);
    expect(parseIncompatibilities("Unknown option: '--no-such-option'")).toEqual([]);
  });
});

describe('versionReason', () => {
  it('names a downgrade as such, whatever its size', () => {
    expect(versionReason(classifyChange('26.7.3', '26.7.0'))).toMatchObject({ kind: 'downgrade', subject: 'keycloak.version', from: '26.7.3', to: '26.7.0', forcesRecreate: true });
    expect(versionReason(classifyChange('26.7.3', '26.5.6'))!.message).toMatch(/minor downgrade is never a rolling update/);
  });
  it('names minor and major upgrades as forcing a recreate', () => {
    expect(versionReason(classifyChange('26.5.6', '26.7.0'))).toMatchObject({ kind: 'version', forcesRecreate: true });
    expect(versionReason(classifyChange('25.0.6', '26.0.0'))!.message).toMatch(/major upgrade/);
  });
  it('says nothing for the same version or a 26.6+ patch upgrade, and notes the preview before 26.6', () => {
    expect(versionReason(classifyChange('26.7.0', '26.7.0'))).toBeNull();
    expect(versionReason(classifyChange('26.7.0', '26.7.3'))).toBeNull();
    expect(versionReason(classifyChange('26.5.5', '26.5.6'))).toMatchObject({ forcesRecreate: false, message: expect.stringMatching(/rolling-updates:v2/) as string });
  });
});

describe('explain', () => {
  const opts = { cache: 'ispn', 'cache-stack': 'jdbc-ping', db: 'postgres' };

  it('names keycloak.version for a minor bump even though kc.sh only talks about caches', () => {
    const r = explain({ from: '26.5.6', to: '26.7.0', fromOptions: opts, toOptions: opts, exitCode: 3, output: minorBumpOutput });
    expect(r[0]).toMatchObject({ kind: 'version', subject: 'keycloak.version', from: '26.5.6', to: '26.7.0', forcesRecreate: true });
    expect(r.filter((x) => x.kind === 'kcsh').map((x) => x.subject)).toEqual(['cacheEmbedded.loginFailuresOwners', 'cacheEmbedded.version', 'cacheEmbedded.jgroupsVersion']);
  });

  it('names a patch downgrade twice: as a downgrade and in kc.sh\'s words', () => {
    const r = explain({ from: '26.7.3', to: '26.7.0', fromOptions: opts, toOptions: opts, exitCode: 3, output: downgradeOutput });
    expect(r.map((x) => [x.kind, x.subject])).toEqual([['downgrade', 'keycloak.version'], ['kcsh', 'keycloak.version']]);
  });

  it('names the option the operator changed next to kc.sh\'s attribute', () => {
    const r = explain({ from: '26.7.0', to: '26.7.0', fromOptions: opts, toOptions: { ...opts, 'cache-stack': 'tcp' }, exitCode: 3, output: cacheStackOutput });
    expect(r.map((x) => [x.kind, x.subject, x.forcesRecreate])).toEqual([['option', 'cache-stack', true], ['kcsh', 'cacheEmbedded.stack', true]]);
  });

  it('gives no reasons for a clean rolling answer', () => {
    expect(explain({ from: '26.7.0', to: '26.7.3', fromOptions: opts, toOptions: opts, exitCode: 0, output: okOutput })).toEqual([]);
  });

  it('explains exit 4 by the rolling-updates feature', () => {
    const r = explain({ from: '26.7.0', to: '26.7.0', fromOptions: opts, toOptions: opts, exitCode: 4, output: '' });
    expect(r).toEqual([expect.objectContaining({ kind: 'feature', subject: 'rolling-updates', forcesRecreate: true })]);
  });

  it('does not turn kc.sh statements into recreate-forcing reasons when the check errored', () => {
    const r = explain({ from: '26.7.0', to: '26.7.0', fromOptions: opts, toOptions: opts, exitCode: 2, output: downgradeOutput });
    expect(r.every((x) => !x.forcesRecreate)).toBe(true);
  });
});
