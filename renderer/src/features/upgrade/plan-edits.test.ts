import { describe, expect, it } from 'vitest';
import { editsToPlanInput, planKey, splitPasted } from './plan-edits.ts';

describe('editsToPlanInput', () => {
  it('turns rows into set, unset and feature lists', () => {
    const { input, errors } = editsToPlanInput('lab', '26.7.1', [
      { key: 'cache-stack', value: 'tcp' },
      { key: '--log-level', value: '' },
      { key: 'features', value: 'persistent-user-sessions, login:v1' },
      { key: 'features-disabled', value: '' },
      { key: '', value: '' },
    ]);
    expect(errors).toEqual({});
    expect(input).toEqual({ cluster: 'lab', to: '26.7.1', set: { 'cache-stack': 'tcp' }, unset: ['log-level'], features: ['persistent-user-sessions', 'login:v1'], featuresDisabled: [] });
  });
  it('names the bad row', () => {
    const { errors } = editsToPlanInput('lab', '26.7.1', [
      { key: 'Cache Stack', value: 'x' },
      { key: 'db-password', value: 'x' },
      { key: 'features', value: 'Bad_Feature' },
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
      { key: '', value: 'orphan' },
    ]);
    expect(Object.keys(errors)).toEqual(['0', '1', '2', '4', '5']);
    expect(errors[1]).toMatch(/secret/);
  });
  it('keys plans by content, not row order', () => {
    const a = editsToPlanInput('lab', '26.7.1', [{ key: 'a', value: '1' }, { key: 'b', value: '2' }]).input;
    const b = editsToPlanInput('lab', '26.7.1', [{ key: 'b', value: '2' }, { key: 'a', value: '1' }]).input;
    expect(planKey(a)).toBe(planKey(b));
  });
  it('splits a pasted key=value', () => {
    expect(splitPasted({ key: 'cache-stack=tcp', value: '' })).toEqual({ key: 'cache-stack', value: 'tcp' });
  });
});
