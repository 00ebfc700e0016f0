import { describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { parsePromote } from './plan-commands.ts';

describe('--promote', () => {
  it('takes manual or auto and names both when given anything else: a typo must not promote production on its own', () => {
    expect(parsePromote('manual')).toBe('manual');
    expect(parsePromote('auto')).toBe('auto');
    for (const bad of ['Manual', 'yes', '']) {
      let err: unknown;
      try {
        parsePromote(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KeyturnError);
      expect((err as KeyturnError).code).toBe('invalid-input');
      expect((err as KeyturnError).message).toBe(`--promote: '${bad}' is not a promotion mode.`);
      expect((err as KeyturnError).hint).toMatch(/--promote manual .* --promote auto/);
    }
  });
});
